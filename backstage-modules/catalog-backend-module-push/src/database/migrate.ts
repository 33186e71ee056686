import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { MIGRATIONS_TABLE } from './tables';

type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

/**
 * The PostgreSQL advisory lock replicas take turns through to migrate (a single 64-bit key,
 * which never conflicts with the two-key source locks of PushStore).
 */
const MIGRATION_LOCK_KEY = 0x57a9e_0000_0001;

/** How long a replica waits for another one's migrations before its start-up fails. */
const MIGRATION_LOCK_TIMEOUT = '60s';

/**
 * Brings the module's tables up to date.
 *
 * On PostgreSQL several replicas may start at once: on a fresh database, or in a rollout
 * whose new version adds a migration. Left to knex, the losers fail start-up: creating
 * `stagedoor_push__knex_migrations` races (duplicate key in `pg_type`), and knex's own
 * migration lock refuses (`MigrationLocked`) rather than waits. So each replica first takes
 * a transaction-scoped advisory lock, held on one pooled connection while knex migrates on
 * another (the pool needs two connections), and the next one finds the work done. The wait
 * is bounded by `lock_timeout`; past it start-up fails, the process exits and is restarted.
 *
 * Migrations are additive, so the list check is off: a replica of the previous version
 * (restarted during a rollout) starts against a database a newer one has migrated.
 */
export async function migrateToLatest(knex: Knex): Promise<void> {
  const latest = () =>
    knex.migrate.latest({
      directory: resolvePackagePath(
        '@stagedoor/plugin-catalog-backend-module-push',
        'migrations',
      ),
      tableName: MIGRATIONS_TABLE,
      disableMigrationsListValidation: true,
    });
  if (knex.client.config.client !== 'pg') {
    await latest();
    return;
  }
  await knex.transaction(async trx => {
    await trx.raw(`set local lock_timeout = '${MIGRATION_LOCK_TIMEOUT}'`);
    await trx.raw('select pg_advisory_xact_lock(?::bigint)', [
      MIGRATION_LOCK_KEY,
    ]);
    await latest();
  });
}
