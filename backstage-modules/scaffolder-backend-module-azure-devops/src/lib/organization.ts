import { InputError } from '@backstage/errors';

/** The ways templates name an organization (ours and the community module's). */
export interface OrganizationInput {
  /** Full organization or collection URL, e.g. `https://dev.azure.com/contoso`. */
  organizationUrl?: string;
  /** Organization (or collection) name. */
  organization?: string;
  /** Host, default `dev.azure.com` (community name). */
  host?: string;
  /** Host (older community name). */
  server?: string;
}

/**
 * The organization URL without a trailing slash. `organizationUrl` wins; otherwise
 * `https://{host|server|dev.azure.com}/{organization}`, which also covers
 * Azure DevOps Server collections (`host: ado.corp/tfs`, `organization: Default`).
 */
export function resolveOrganizationUrl(input: OrganizationInput): string {
  if (input.organizationUrl) {
    let url: URL;
    try {
      url = new URL(input.organizationUrl);
    } catch {
      throw new InputError(
        `organizationUrl '${input.organizationUrl}' is not a URL; use e.g. https://dev.azure.com/contoso`,
      );
    }
    return url.toString().replace(/\/+$/, '');
  }
  if (!input.organization) {
    throw new InputError(
      'Name the Azure DevOps organization: set organization (and host for Azure DevOps Server) or organizationUrl.',
    );
  }
  const host = (input.host ?? input.server ?? 'dev.azure.com').replace(
    /\/+$/,
    '',
  );
  return `https://${host}/${encodeURIComponent(input.organization)}`;
}
