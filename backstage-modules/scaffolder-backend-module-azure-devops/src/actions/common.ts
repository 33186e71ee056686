import type { TemplateActionOptions } from '@backstage/plugin-scaffolder-node';
import {
  AzureDevOpsCredentialsProvider,
  DefaultAzureDevOpsCredentialsProvider,
  ScmIntegrationRegistry,
} from '@backstage/integration';
import { AzureDevOpsClient } from '../lib/client';
import { OrganizationInput, resolveOrganizationUrl } from '../lib/organization';

/**
 * The zod the scaffolder hands to schema functions. Taken from its own types so
 * this package never imports a second copy of zod.
 */
type InputSchemas = Exclude<
  NonNullable<NonNullable<TemplateActionOptions['schema']>['input']>,
  (...args: never[]) => unknown
>;
export type ZImpl = Parameters<InputSchemas[string]>[0];

/** What every action factory takes. */
export interface AzureDevOpsActionOptions {
  integrations: ScmIntegrationRegistry;
  /** Defaults to `DefaultAzureDevOpsCredentialsProvider.fromIntegrations(integrations)`. */
  credentialsProvider?: AzureDevOpsCredentialsProvider;
  /** Timeout of one Azure DevOps call (default 30 s). */
  timeoutMs?: number;
}

/** The organization inputs every action accepts (ours and the community module's names). */
export const organizationInputs = {
  organizationUrl: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe(
        'Organization or collection URL, e.g. https://dev.azure.com/contoso. Alternative to organization + host.',
      ),
  organization: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe('Azure DevOps organization (collection) name.'),
  host: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe('Azure DevOps host (default dev.azure.com).'),
  server: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe('Alias of host (community module input name).'),
  project: (zz: ZImpl) => zz.string().min(1).describe('Project name or id.'),
  token: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe(
        'An Entra access token to use instead of integrations.azure (e.g. the user token from RepoUrlPicker requestUserCredentials). Sent as Bearer, never logged.',
      ),
};

/** Builds the credentials provider once per factory. */
export function credentialsProviderOf(options: AzureDevOpsActionOptions) {
  return (
    options.credentialsProvider ??
    DefaultAzureDevOpsCredentialsProvider.fromIntegrations(options.integrations)
  );
}

/** A client for the organization named by the inputs. */
export function clientFor(
  input: OrganizationInput & { token?: string },
  provider: AzureDevOpsCredentialsProvider,
  options: AzureDevOpsActionOptions,
): Promise<AzureDevOpsClient> {
  return AzureDevOpsClient.create({
    organizationUrl: resolveOrganizationUrl(input),
    credentialsProvider: provider,
    token: input.token,
    timeoutMs: options.timeoutMs,
  });
}

/** Folder as the service stores it: `\a\b`, root `\`. */
export function normalizeFolder(folder: string | undefined): string {
  const parts = (folder ?? '').split(/[\\/]+/).filter(Boolean);
  return `\\${parts.join('\\')}`;
}
