import path from 'node:path';
import fs from 'node:fs';

/**
 * The baseline backend package, where the app-config files live. STAGEDOOR_BACKEND_DIR points
 * the tests at another copy, e.g. one installed like the image (`npm ci --omit=dev`).
 */
export const backendDir =
  process.env.STAGEDOOR_BACKEND_DIR ??
  path.resolve(__dirname, '../../backstage-modules/backend');

/**
 * Placeholder values for every environment variable the production config reads
 * (docs/deployment.md lists them). Realistic shapes, nothing that works against Azure.
 */
export function placeholderEnv(caFile: string): Record<string, string> {
  const tenant = '00000000-0000-4000-8000-000000000001';
  return {
    APP_BASE_URL: 'https://backstage.example.com',
    BACKEND_BASE_URL: 'https://backstage.example.com',
    POSTGRES_HOST: 'stagedoor-pg.postgres.database.azure.com',
    POSTGRES_PORT: '5432',
    POSTGRES_USER: 'backstage',
    POSTGRES_PASSWORD: 'placeholder-password',
    POSTGRES_CA_FILE: caFile,
    AZURE_TENANT_ID: tenant,
    BACKSTAGE_API_CLIENT_ID: '00000000-0000-4000-8000-000000000002',
    AUTH_MICROSOFT_CLIENT_ID: '00000000-0000-4000-8000-000000000003',
    AUTH_MICROSOFT_CLIENT_SECRET: 'placeholder-client-secret',
    MSGRAPH_CLIENT_ID: '00000000-0000-4000-8000-000000000005',
    MSGRAPH_CLIENT_SECRET: 'placeholder-graph-secret',
    MSGRAPH_USER_GROUP_FILTER: "displayName eq 'Backstage Users'",
    AZURE_DEVOPS_CLIENT_ID: '00000000-0000-4000-8000-000000000004',
    AZURE_DEVOPS_ORGANIZATION: 'contoso',
    STAGEDOOR_PIPELINE_PRINCIPAL_ID: '00000000-0000-4000-8000-000000000006',
    TECHDOCS_STORAGE_ACCOUNT: 'stagedoortechdocs',
    TECHDOCS_CONTAINER_NAME: 'techdocs',
  };
}

/** What app-config.pipeline-token.yaml adds. */
export const pipelineTokenEnv = {
  BACKSTAGE_PIPELINE_TOKEN: 'placeholder-static-token-0123456789',
};

/**
 * Variables the production config reads that a deployment may leave unset on purpose
 * (the key is then dropped): the password under Entra passwordless, the service principal
 * half of the Azure DevOps credential, and one of the two Microsoft Graph user filters.
 */
export const OPTIONAL_VARIABLES = new Set([
  'POSTGRES_PASSWORD',
  'AZURE_DEVOPS_CLIENT_SECRET',
  'AZURE_DEVOPS_TENANT_ID',
  'MSGRAPH_USER_FILTER',
  'MSGRAPH_USER_GROUP_FILTER',
]);

/** Every `${NAME}` an app-config file substitutes, with whether it has a `:-` default. */
export function configVariables(
  file: string,
): Map<string, { hasDefault: boolean }> {
  const text = fs
    .readFileSync(path.join(backendDir, file), 'utf8')
    .split('\n')
    .filter(line => !line.trimStart().startsWith('#'))
    .join('\n');
  const found = new Map<string, { hasDefault: boolean }>();
  for (const match of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)(:-[^}]*)?\}/g)) {
    const previous = found.get(match[1]);
    found.set(match[1], {
      hasDefault: (previous?.hasDefault ?? true) && Boolean(match[2]),
    });
  }
  return found;
}

/** The variables a deployment must set for app-config.production.yaml. */
export function requiredProductionVariables(): string[] {
  return [...configVariables('app-config.production.yaml')]
    .filter(
      ([name, { hasDefault }]) => !hasDefault && !OPTIONAL_VARIABLES.has(name),
    )
    .map(([name]) => name)
    .sort();
}
