import type { Config } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';

const PREFIX = 'stagedoor.scaffolder.guardrails';

/** The action ids guardrails can name. */
export const ACTION_IDS = [
  'azure:pipeline:create',
  'azure:pipeline:run',
  'azure:pipeline:permit',
  'azure:serviceconnection:create',
  'azure:variablegroup:create',
  'azure:pr:create',
  'azure:repository:clone',
  'azure:repository:push',
] as const;

export const SERVICE_CONNECTION_SCOPES = [
  'subscription',
  'resourceGroup',
  'managementGroup',
] as const;
export const SERVICE_CONNECTION_TYPES = [
  'azurerm',
  'generic',
  'backstage',
] as const;

/** Where the actions listed in `actions` (all when undefined) may act. */
export interface GuardrailTarget {
  actions?: string[];
  organizations: string[];
  projects: string[];
}

/** What templates may do in Azure DevOps, read once at start-up. */
export interface Guardrails {
  targets: GuardrailTarget[];
  allowCrossProjectSharing: boolean;
  allowAuthorizeAllPipelines: boolean;
  serviceConnectionScopes: string[];
  serviceConnectionTypes: string[];
}

/** The defaults: any organization and project the identity reaches; no sharing, no open access, no management-group scope. */
export const DEFAULT_GUARDRAILS: Guardrails = {
  targets: [{ organizations: ['*'], projects: ['*'] }],
  allowCrossProjectSharing: false,
  allowAuthorizeAllPipelines: false,
  serviceConnectionScopes: ['subscription', 'resourceGroup'],
  serviceConnectionTypes: ['azurerm', 'generic', 'backstage'],
};

function oneOf(
  values: string[],
  allowed: readonly string[],
  key: string,
): string[] {
  for (const v of values) {
    if (!allowed.includes(v)) {
      throw new Error(
        `Invalid config: ${key} has '${v}'; use ${allowed.join(', ')}`,
      );
    }
  }
  return values;
}

/** Reads `stagedoor.scaffolder.guardrails`; throws at start-up on values that cannot work. */
export function readGuardrailsConfig(root: Config): Guardrails {
  const config = root.getOptionalConfig(PREFIX);
  if (!config) return DEFAULT_GUARDRAILS;
  const targets = config.has('targets')
    ? config.getConfigArray('targets').map((t, i) => {
        const key = `${PREFIX}.targets[${i}]`;
        const organizations = t.getStringArray('organizations');
        const projects = t.getStringArray('projects');
        if (organizations.length === 0 || projects.length === 0) {
          throw new Error(
            `Invalid config: ${key} needs at least one organization and one project pattern`,
          );
        }
        const actions = t.getOptionalStringArray('actions');
        return {
          actions: actions && oneOf(actions, ACTION_IDS, `${key}.actions`),
          organizations,
          projects,
        };
      })
    : DEFAULT_GUARDRAILS.targets;
  return {
    targets,
    allowCrossProjectSharing:
      config.getOptionalBoolean('allowCrossProjectSharing') ?? false,
    allowAuthorizeAllPipelines:
      config.getOptionalBoolean('allowAuthorizeAllPipelines') ?? false,
    serviceConnectionScopes: oneOf(
      config.getOptionalStringArray('serviceConnections.scopes') ??
        DEFAULT_GUARDRAILS.serviceConnectionScopes,
      SERVICE_CONNECTION_SCOPES,
      `${PREFIX}.serviceConnections.scopes`,
    ),
    serviceConnectionTypes: oneOf(
      config.getOptionalStringArray('serviceConnections.types') ??
        DEFAULT_GUARDRAILS.serviceConnectionTypes,
      SERVICE_CONNECTION_TYPES,
      `${PREFIX}.serviceConnections.types`,
    ),
  };
}

/** `*` matches any run of characters; everything else literally, case-insensitive. */
function matches(pattern: string, value: string): boolean {
  const source = pattern
    .split('*')
    .map(s => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i').test(value);
}

/**
 * The names an organization pattern is matched against: the organization (the
 * last segment of the collection URL) and `host/path` (for patterns with a `/`).
 */
function organizationNames(organizationUrl: string): {
  name: string;
  full: string;
} {
  const url = new URL(organizationUrl);
  const path = decodeURIComponent(url.pathname.replace(/\/+$/, ''));
  return {
    name: path.split('/').pop() ?? '',
    full: `${url.host}${path}`,
  };
}

/** What one action call is about to touch. */
export interface GuardedCall {
  actionId: string;
  organizationUrl: string;
  /** The project the action writes to, then projects it shares with. */
  projects: string[];
  shareWithProjects?: string[];
  authorizeAllPipelines?: boolean;
  serviceConnection?: { type: string; scopeLevel?: string };
}

/**
 * Throws `NotAllowedError` naming the setting when the call is outside the
 * guardrails. Pure: runs before any request to Azure DevOps.
 */
export function checkGuardrails(g: Guardrails, call: GuardedCall): void {
  const org = organizationNames(call.organizationUrl);
  const orgAllowed = (t: GuardrailTarget) =>
    t.organizations.some(p =>
      p.includes('/') ? matches(p, org.full) : matches(p, org.name),
    );
  const forAction = g.targets.filter(
    t => !t.actions || t.actions.includes(call.actionId),
  );
  const inOrg = forAction.filter(orgAllowed);
  if (inOrg.length === 0) {
    throw new NotAllowedError(
      `${call.actionId} may not act in organization ${org.full}: it matches no ${PREFIX}.targets entry for this action — ask the Backstage admins to add it.`,
    );
  }
  for (const project of [...call.projects, ...(call.shareWithProjects ?? [])]) {
    if (!inOrg.some(t => t.projects.some(p => matches(p, project)))) {
      throw new NotAllowedError(
        `${call.actionId} may not act in project '${project}' of ${org.full}: it matches no ${PREFIX}.targets[].projects pattern for this action.`,
      );
    }
  }
  if (
    (call.shareWithProjects ?? []).length > 0 &&
    !g.allowCrossProjectSharing
  ) {
    throw new NotAllowedError(
      `${call.actionId} may not share with other projects (${call.shareWithProjects!.join(', ')}): ${PREFIX}.allowCrossProjectSharing is false.`,
    );
  }
  if (call.authorizeAllPipelines && !g.allowAuthorizeAllPipelines) {
    throw new NotAllowedError(
      `${call.actionId} may not authorize all pipelines of a project: ${PREFIX}.allowAuthorizeAllPipelines is false — list the pipelines instead.`,
    );
  }
  const sc = call.serviceConnection;
  if (sc) {
    if (!g.serviceConnectionTypes.includes(sc.type)) {
      throw new NotAllowedError(
        `${call.actionId} may not create a '${sc.type}' service connection: ${PREFIX}.serviceConnections.types allows ${g.serviceConnectionTypes.join(', ') || 'none'}.`,
      );
    }
    if (sc.type === 'azurerm') {
      const scope = sc.scopeLevel ?? 'subscription';
      if (!g.serviceConnectionScopes.includes(scope)) {
        throw new NotAllowedError(
          `${call.actionId} may not create a service connection scoped to a ${scope}: ${PREFIX}.serviceConnections.scopes allows ${g.serviceConnectionScopes.join(', ') || 'none'}.`,
        );
      }
    }
  }
}
