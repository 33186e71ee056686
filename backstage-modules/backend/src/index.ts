/*
 * The baseline Backstage backend: the catalog (with the Template kind), the
 * scaffolder, TechDocs, sign-in, and the Stagedoor modules.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(import('@stagedoor/plugin-catalog-backend-module-push'));

backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-azure'));
backend.add(import('@stagedoor/plugin-scaffolder-backend-module-azure-devops'));

backend.add(import('@backstage/plugin-techdocs-backend'));

backend.add(import('./startupBanner'));

backend.start();
