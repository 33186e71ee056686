import { AzureDevOpsClient } from './client';

/** Resource types of the pipeline permissions API. */
export const RESOURCE_TYPES = [
  'endpoint',
  'variablegroup',
  'queue',
  'environment',
  'securefile',
  'repository',
] as const;

/** One of {@link RESOURCE_TYPES}. */
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** ResourcePipelinePermissions (approvalsAndChecks-pipelinePermissions.json). */
export interface ResourcePipelinePermissions {
  resource?: { id?: string; type?: string; name?: string };
  pipelines?: { id: number; authorized: boolean }[];
  allPipelines?: { authorized: boolean } | null;
}

/** The API version the service requires: this API is only offered as preview. */
const PERMISSIONS_API_VERSION = '7.1-preview.1';

export function getPipelinePermissions(
  client: AzureDevOpsClient,
  project: string,
  resourceType: ResourceType,
  resourceId: string,
) {
  return client.request<ResourcePipelinePermissions>(
    'GET',
    permissionsPath(project, resourceType, resourceId),
    undefined,
    PERMISSIONS_API_VERSION,
  );
}

export function updatePipelinePermissions(
  client: AzureDevOpsClient,
  project: string,
  resourceType: ResourceType,
  resourceId: string,
  body: ResourcePipelinePermissions,
) {
  return client.request<ResourcePipelinePermissions>(
    'PATCH',
    permissionsPath(project, resourceType, resourceId),
    body,
    PERMISSIONS_API_VERSION,
  );
}

function permissionsPath(project: string, type: string, id: string): string {
  return `${encodeURIComponent(project)}/_apis/pipelines/pipelinepermissions/${type}/${encodeURIComponent(id)}`;
}
