import path from 'node:path';

/** The baseline backend package, where the app-config files live. */
export const backendDir = path.resolve(__dirname, '../../backstage-modules/backend');

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
    BACKSTAGE_API_AUDIENCE: 'api://00000000-0000-4000-8000-000000000002',
    AUTH_MICROSOFT_CLIENT_ID: '00000000-0000-4000-8000-000000000003',
    AUTH_MICROSOFT_CLIENT_SECRET: 'placeholder-client-secret',
    MSGRAPH_CLIENT_ID: '00000000-0000-4000-8000-000000000005',
    MSGRAPH_USER_GROUP_FILTER: "displayName eq 'Backstage Users'",
    AZURE_DEVOPS_CLIENT_ID: '00000000-0000-4000-8000-000000000004',
    AZURE_DEVOPS_ORGANIZATION: 'contoso',
    TECHDOCS_STORAGE_ACCOUNT: 'stagedoortechdocs',
    TECHDOCS_CONTAINER_NAME: 'techdocs',
  };
}

/** What app-config.pipeline-token.yaml adds. */
export const pipelineTokenEnv = {
  BACKSTAGE_PIPELINE_TOKEN: 'placeholder-static-token-0123456789',
};
