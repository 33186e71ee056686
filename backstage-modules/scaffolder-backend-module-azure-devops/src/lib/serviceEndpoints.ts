import { AzureDevOpsClient } from './client';

/** The parts of a ServiceEndpoint (serviceEndpoint-serviceEndpoint.json) the actions read. */
export interface ServiceEndpoint {
  id: string;
  name: string;
  type: string;
  url?: string;
  isReady?: boolean;
  authorization?: {
    scheme?: string;
    parameters?: Record<string, string | null>;
  };
  serviceEndpointProjectReferences?: {
    name?: string;
    description?: string;
    projectReference?: { id?: string; name?: string };
  }[];
  operationStatus?: { state?: string; statusMessage?: string };
}

// No azure-devops-node-api client covers the service endpoint API (its
// TaskAgentApi methods target the retired distributedtask routes), so these
// are plain calls with absolute URLs.

export async function findServiceEndpoint(
  client: AzureDevOpsClient,
  project: string,
  name: string,
): Promise<ServiceEndpoint | undefined> {
  const res = await client.request<{ value?: ServiceEndpoint[] }>(
    'GET',
    `${encodeURIComponent(project)}/_apis/serviceendpoint/endpoints?endpointNames=${encodeURIComponent(name)}`,
  );
  return (res?.value ?? []).find(
    e => e.name.toLowerCase() === name.toLowerCase(),
  );
}

export function createServiceEndpoint(
  client: AzureDevOpsClient,
  body: Record<string, unknown>,
) {
  return client.request<ServiceEndpoint>(
    'POST',
    '_apis/serviceendpoint/endpoints',
    body,
  );
}

export function getServiceEndpoint(
  client: AzureDevOpsClient,
  project: string,
  id: string,
) {
  return client.request<ServiceEndpoint>(
    'GET',
    `${encodeURIComponent(project)}/_apis/serviceendpoint/endpoints/${encodeURIComponent(id)}`,
  );
}

export function shareServiceEndpoint(
  client: AzureDevOpsClient,
  id: string,
  references: {
    name: string;
    projectReference: { id: string; name: string };
  }[],
) {
  return client.request<void>(
    'PATCH',
    `_apis/serviceendpoint/endpoints/${encodeURIComponent(id)}`,
    references,
  );
}
