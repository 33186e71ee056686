/**
 * The backend of the P2 floor (bench/push.ts): the baseline backend's catalog (its
 * database service, SQLite journal, catalog modules and configuration) with the floor's
 * entity provider instead of the push module, started by `startBackendApp({ entry })` from
 * the baseline's folder with the same config files as the baseline.
 */
import { createBackend } from '@backstage/backend-defaults';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import { catalogReadiness } from '../backstage-modules/backend/src/catalogReadiness';
import { databaseStartupGate } from '../backstage-modules/backend/src/databaseStartupGate';
import { sqliteWal } from '../backstage-modules/backend/src/sqliteWal';
import floorModule from './floorModule';

const backend = createBackend();
backend.add(databaseStartupGate);
backend.add(catalogPlugin);
backend.add(sqliteWal('catalog'));
// Ready, as the baseline, once the configured example entities are readable: the floor starts
// on a catalog that has finished its start-up work, like the push it is compared with.
backend.add(catalogReadiness);
backend.add(scaffolderEntityModel);
backend.add(floorModule);
backend.start().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
