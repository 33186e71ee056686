/*
 * The baseline Backstage backend: the catalog (with the Template kind), the
 * scaffolder, TechDocs, sign-in, and the Stagedoor modules.
 *
 * Static imports rather than Backstage's usual `backend.add(import('…'))`: this
 * repository type-checks as CommonJS under `module: Node16`, where a dynamic
 * import of a CommonJS package is typed `{ default: module }`, not the feature.
 * In an app created by @backstage/create-app either form works.
 */
import { createBackend } from '@backstage/backend-defaults';
import appPlugin from '@backstage/plugin-app-backend';
import authPlugin from '@backstage/plugin-auth-backend';
import guestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
import microsoftProvider from '@backstage/plugin-auth-backend-module-microsoft-provider';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import msgraphProvider from '@backstage/plugin-catalog-backend-module-msgraph';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import publishAzure from '@backstage/plugin-scaffolder-backend-module-azure';
import techdocsPlugin from '@backstage/plugin-techdocs-backend';
import stagedoorPush from '@stagedoor/plugin-catalog-backend-module-push';
import stagedoorAzureDevOps from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import stagedoorAzureCost from '@stagedoor/plugin-azure-cost-backend';
import { catalogReadiness } from './catalogReadiness';
import { databaseStartupGate } from './databaseStartupGate';
import { sqliteWal } from './sqliteWal';
import startupBanner from './startupBanner';

const backend = createBackend();

// On PostgreSQL, replicas start (and run their migrations) one at a time.
backend.add(databaseStartupGate);

backend.add(authPlugin);
// Each provider is active only where auth.providers configures it: guest in
// development, Microsoft Entra ID in production (app-config.production.yaml).
backend.add(guestProvider);
backend.add(microsoftProvider);

backend.add(catalogPlugin);
// On SQLite (development), the catalog's database file in WAL journal mode (src/sqliteWal.ts).
backend.add(sqliteWal('catalog'));
// Ready (/.backstage/health/v1/readiness) once the catalog serves the catalog.locations entities.
backend.add(catalogReadiness);
backend.add(scaffolderEntityModel);
backend.add(stagedoorPush);
// Users and groups from Microsoft Graph; idle unless
// catalog.providers.microsoftGraphOrg is configured.
backend.add(msgraphProvider);
// Repositories without catalog files are found by the push module's own discovery
// (stagedoor.discovery), so the upstream Azure DevOps discovery provider is not installed.

backend.add(scaffolderPlugin);
backend.add(publishAzure);
backend.add(stagedoorAzureDevOps);

backend.add(techdocsPlugin);

// Azure cost per entity (stagedoor.azureCost: sample data in development, the Cost
// Management API in production).
backend.add(stagedoorAzureCost);

// The web app (backstage-modules/app, app.packageName), built to its dist/ by `npm run
// build`, served at the backend's root with the frontend's config injected.
backend.add(appPlugin);

backend.add(startupBanner);

// Exit when start-up fails (a plugin or module threw): left running, the process stays live
// but never ready and nothing restarts it; exiting lets the orchestrator restart it. Backstage
// has already logged the failing plugin's error with its stack; this adds one line.
backend.start().catch((error: unknown) => {
  console.error(
    `Backend startup failed, exiting: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
