import { normalizeOrganizationUrl } from '@stagedoor/common';
import type { SourceInfo } from './options';

/**
 * The push source from Azure Pipelines variables, through `get` (task-lib's
 * `getVariable` in the task, the environment in the CLI). Missing values stay empty;
 * `normalizeNotifyOptions` names what is missing.
 */
export function sourceFromVariables(
  get: (name: string) => string | undefined,
): SourceInfo {
  const organizationUrl = get('System.CollectionUri') ?? '';
  const project = get('System.TeamProject') ?? '';
  const buildIdText = get('Build.BuildId');
  const buildId =
    buildIdText && /^\d+$/.test(buildIdText) ? Number(buildIdText) : undefined;
  return {
    organizationUrl,
    project,
    repositoryName: get('Build.Repository.Name') ?? '',
    repositoryId: get('Build.Repository.ID') || undefined,
    repositoryUri: get('Build.Repository.Uri') || undefined,
    branch: get('Build.SourceBranch') ?? '',
    commit: get('Build.SourceVersion') ?? '',
    buildId,
    buildUrl: buildRunUrl(organizationUrl, project, buildId),
    reason: get('Build.Reason') || undefined,
  };
}

/** `{collection}/{project}/_build/results?buildId={id}`: the run's page. */
export function buildRunUrl(
  organizationUrl: string,
  project: string,
  buildId?: number,
): string | undefined {
  if (!organizationUrl || !project || buildId === undefined) return undefined;
  try {
    return new URL(
      `${normalizeOrganizationUrl(organizationUrl)}/${encodeURIComponent(project)}/_build/results?buildId=${buildId}`,
    ).toString();
  } catch {
    return undefined;
  }
}
