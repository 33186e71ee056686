/*
 * The baseline Backstage backend: the catalog (with the Template kind), the
 * scaffolder, TechDocs, sign-in, and the Stagedoor modules.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-auth-backend'));
// Each provider is active only where auth.providers configures it: guest in development,
// Microsoft Entra ID in production (app-config.production.yaml).
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-auth-backend-module-microsoft-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@stagedoor/plugin-catalog-backend-module-push'));
// Users and groups from Microsoft Graph; idle unless catalog.providers.microsoftGraphOrg is set.
backend.add(import('@backstage/plugin-catalog-backend-module-msgraph'));
// Adopters who want the upstream Azure DevOps discovery provider as a safety net add
// backend.add(import('@backstage/plugin-catalog-backend-module-azure'));
// (catalog.providers.azureDevOps in app-config.production.yaml; not installed here).

backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-azure'));
backend.add(import('@stagedoor/plugin-scaffolder-backend-module-azure-devops'));

backend.add(import('@backstage/plugin-techdocs-backend'));

backend.add(import('./startupBanner'));

backend.start();
