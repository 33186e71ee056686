import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';

/** The provenance annotations the push module writes on every pushed entity. */
export const ANNOTATION_SOURCE_KEY = 'stagedoor.io/source-key';
export const ANNOTATION_COMMIT = 'stagedoor.io/commit';
export const ANNOTATION_BUILD_ID = 'stagedoor.io/build-id';
export const ANNOTATION_BUILD_URL = 'stagedoor.io/build-url';
/** Marks the unowned Component discovery made for a repository without catalog files. */
export const ANNOTATION_PLACEHOLDER = 'stagedoor.io/placeholder';
/** The onboarding template the placeholder's "onboard this repository" link opens. */
export const ONBOARDING_TEMPLATE = {
  namespace: 'default',
  templateName: 'onboard-repository',
};

/** Whether a pipeline pushed `entity` (the Delivery card and tab show only on those). */
export function isPushedEntity(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[ANNOTATION_SOURCE_KEY]);
}

/** Whether discovery made `entity` as an unowned placeholder for its repository. */
export function isPlaceholderEntity(entity: Entity): boolean {
  return entity.metadata.annotations?.[ANNOTATION_PLACEHOLDER] === 'true';
}

/**
 * The RepoUrlPicker value (`host?organization=&project=&repo=`) of a repository:
 * `dev.azure.com` and the organization for `https://dev.azure.com/contoso` and
 * `https://contoso.visualstudio.com`; the host and the collection otherwise.
 */
export function repoPickerUrl(repository: {
  organizationUrl: string;
  project: string;
  repositoryName: string;
}): string | undefined {
  let url: URL;
  try {
    url = new URL(repository.organizationUrl);
  } catch {
    return undefined;
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const vs = /^([^.]+)\.visualstudio\.com$/i.exec(url.hostname);
  const host = vs ? 'dev.azure.com' : url.host;
  const organization = vs ? vs[1] : segments[segments.length - 1];
  if (!organization) return undefined;
  const query = new URLSearchParams({
    organization: decodeURIComponent(organization),
    project: repository.project,
    repo: repository.repositoryName,
  });
  return `${host}?${query}`;
}

/**
 * The onboarding template's form data for a discovery placeholder: the placeholder's
 * ref, the repository (from its source when known) and a component name.
 */
export function onboardingFormData(
  entity: Entity,
  repository?: {
    organizationUrl?: string;
    project?: string;
    repositoryName?: string;
  },
): Record<string, string> {
  const { organizationUrl, project, repositoryName } = repository ?? {};
  const repoUrl =
    organizationUrl && project && repositoryName
      ? repoPickerUrl({ organizationUrl, project, repositoryName })
      : undefined;
  // The template wants a lower-case, dash-separated name.
  const name = (repositoryName ?? entity.metadata.name)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return {
    placeholder: stringifyEntityRef(entity),
    ...(repoUrl ? { repoUrl } : {}),
    ...(name ? { name } : {}),
  };
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
