/**
 * Azure DevOps URL helpers. Pure functions over strings; no I/O.
 */

/** An organization (collection) URL, normalised: no trailing slash. */
export function normalizeOrganizationUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * The organization's short name: `contoso` for `https://dev.azure.com/contoso` and
 * `https://contoso.visualstudio.com`; `host/collection` for Azure DevOps Server.
 */
export function organizationName(organizationUrl: string): string {
  const u = new URL(normalizeOrganizationUrl(organizationUrl));
  const segments = u.pathname.split('/').filter(Boolean);
  if (u.hostname.toLowerCase() === 'dev.azure.com' && segments.length > 0) {
    return decodeURIComponent(segments[0]);
  }
  const vs = /^([^.]+)\.visualstudio\.com$/i.exec(u.hostname);
  if (vs) return vs[1];
  return [u.host, ...segments.map(s => decodeURIComponent(s))].join('/');
}

/** `refs/heads/main` → `main`; other ref kinds and plain names are kept. */
export function shortBranchName(branch: string): string {
  return branch.replace(/^refs\/heads\//, '');
}

/**
 * The stable key of a push source: `{organization}/{project}/{repository}@{branch}`,
 * lower-cased (Azure DevOps names are case-insensitive).
 */
export function sourceKeyOf(source: {
  organizationUrl: string;
  project: string;
  repositoryName: string;
  branch: string;
}): string {
  return `${organizationName(source.organizationUrl)}/${source.project}/${
    source.repositoryName
  }@${shortBranchName(source.branch)}`.toLowerCase();
}

/**
 * The repository part of a source key: `contoso/shop/orders` for
 * `contoso/shop/orders@main`. Push rules match it, and two keys with the same
 * repository path are branches of one repository.
 */
export function repoPathOf(sourceKey: string): string {
  const at = sourceKey.indexOf('@');
  return at < 0 ? sourceKey : sourceKey.slice(0, at);
}

/** The branch part of a source key: `main` for `contoso/shop/orders@main` (empty without one). */
export function branchOfSourceKey(sourceKey: string): string {
  const at = sourceKey.indexOf('@');
  return at < 0 ? '' : sourceKey.slice(at + 1);
}

/**
 * The URL of a file in a repository, in the form the upstream Azure DevOps
 * provider and the Azure URL reader use:
 * `https://dev.azure.com/{org}/{project}/_git/{repo}?path=/catalog-info.yaml`,
 * with `&version=GB{branch}` when a branch is given.
 */
export function repositoryFileUrl(options: {
  organizationUrl: string;
  project: string;
  repositoryName: string;
  path: string;
  branch?: string;
}): string {
  const base = normalizeOrganizationUrl(options.organizationUrl);
  const path = `/${options.path.replace(/^\/+/, '')}`;
  let url = `${base}/${encodeURIComponent(options.project)}/_git/${encodeURIComponent(
    options.repositoryName,
  )}?path=${encodeURI(path)}`;
  if (options.branch) {
    url += `&version=GB${encodeURIComponent(shortBranchName(options.branch))}`;
  }
  return url;
}
