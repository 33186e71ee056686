import type { Entity } from '@backstage/catalog-model';

/** The provenance annotations the push module writes on every pushed entity. */
export const ANNOTATION_SOURCE_KEY = 'stagedoor.io/source-key';
export const ANNOTATION_COMMIT = 'stagedoor.io/commit';
export const ANNOTATION_BUILD_ID = 'stagedoor.io/build-id';
export const ANNOTATION_BUILD_URL = 'stagedoor.io/build-url';

/** Whether a pipeline pushed `entity` (the Delivery card and tab show only on those). */
export function isPushedEntity(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[ANNOTATION_SOURCE_KEY]);
}

/** Links into Azure DevOps for a source's repository, branch and commit. */
export function azureDevOpsLinks(source: {
  organizationUrl?: string;
  project?: string;
  repositoryName?: string;
  branch?: string;
  commit: string;
}): { repository?: string; branch?: string; commit?: string } {
  const { organizationUrl, project, repositoryName, branch, commit } = source;
  if (!organizationUrl || !project || !repositoryName) return {};
  const repository = `${organizationUrl.replace(/\/+$/, '')}/${encodeURIComponent(
    project,
  )}/_git/${encodeURIComponent(repositoryName)}`;
  const shortBranch = branch?.replace(/^refs\/heads\//, '');
  return {
    repository,
    branch: shortBranch
      ? `${repository}?version=GB${encodeURIComponent(shortBranch)}`
      : undefined,
    commit: `${repository}/commit/${encodeURIComponent(commit)}`,
  };
}
