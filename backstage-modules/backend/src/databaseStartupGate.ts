import { DatabaseManager } from '@backstage/backend-defaults/database';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';

/** The PostgreSQL advisory lock replicas take turns through to start (one 64-bit key). */
const STARTUP_LOCK_KEY = 0x57a9e_0000_0002;

/**
 * How long a replica waits for the others to finish starting before its own start-up fails
 * (the process then exits and is restarted). Below the startup probes' 180 s.
 */
const STARTUP_LOCK_TIMEOUT_MS = 120_000;

/**
 * Backstage's database service (as in @backstage/backend-defaults) with a start-up gate: on
 * PostgreSQL, replicas of this backend run their plugins' start-up, and so their
 * migrations, one at a time.
 *
 * Backstage's plugins migrate with knex, whose migration lock is not safe when replicas
 * create it together on a fresh database: the loser's start-up fails (duplicate key in
 * `pg_type`, or `MigrationLocked`), and two replicas can insert two lock rows, after which
 * every start of that plugin fails with "Migration table is already locked" for good
 * (knex/knex#3538). Exiting and restarting does not repair that; not racing does.
 *
 * The gate is a session-level advisory lock in the catalog's database, taken before the
 * first plugin gets its database and held on one pooled connection until the backend has
 * started (or stops; a process that dies releases it with its connection). A replica that
 * cannot get it within the timeout fails start-up.
 */
export const databaseStartupGate = createServiceFactory({
  service: coreServices.database,
  deps: {
    config: coreServices.rootConfig,
    lifecycle: coreServices.lifecycle,
    logger: coreServices.logger,
    pluginMetadata: coreServices.pluginMetadata,
    rootLifecycle: coreServices.rootLifecycle,
    rootLogger: coreServices.rootLogger,
  },
  async createRootContext({ config, rootLifecycle, rootLogger }) {
    const manager = DatabaseManager.fromConfig(
      config.getOptional('backend.database')
        ? config
        : new ConfigReader({
            backend: {
              database: { client: 'better-sqlite3', connection: ':memory:' },
            },
          }),
      { rootLifecycle, rootLogger },
    );
    if (config.getOptionalString('backend.database.client') !== 'pg') {
      return manager;
    }
    const knex = await manager
      .forPlugin('catalog', { lifecycle: rootLifecycle, logger: rootLogger })
      .getClient();
    // A session lock on a connection taken out of the pool, tried every half second rather
    // than waited for: a statement blocked on the lock would hold a snapshot, and the
    // catalog's `CREATE INDEX CONCURRENTLY` migrations wait for every older snapshot in the
    // database, so the replica holding the gate would wait for the ones waiting for it.
    const connection = await knex.client.acquireConnection();
    const query = async (sql: string, values: unknown[] = []) =>
      (
        (await connection.query(sql, values)) as {
          rows: { locked?: boolean }[];
        }
      ).rows;
    try {
      const since = Date.now();
      let logged = false;
      for (;;) {
        const [{ locked }] = await query(
          'select pg_try_advisory_lock($1::bigint) as locked',
          [STARTUP_LOCK_KEY],
        );
        if (locked) {
          if (logged) {
            rootLogger.info(
              `Starting after waiting ${Math.round((Date.now() - since) / 1000)} s for other replicas`,
            );
          }
          break;
        }
        if (Date.now() - since > STARTUP_LOCK_TIMEOUT_MS) {
          throw new Error(
            `Gave up after ${STARTUP_LOCK_TIMEOUT_MS / 1000} s waiting for another replica to finish starting (PostgreSQL advisory lock ${STARTUP_LOCK_KEY} in the catalog database)`,
          );
        }
        if (!logged) {
          rootLogger.info('Waiting for another replica to finish starting');
          logged = true;
        }
        await new Promise(r => setTimeout(r, 500));
      }
    } catch (error) {
      await knex.client.releaseConnection(connection);
      throw error;
    }
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      try {
        await query('select pg_advisory_unlock($1::bigint)', [
          STARTUP_LOCK_KEY,
        ]);
      } finally {
        await knex.client.releaseConnection(connection);
      }
    };
    rootLifecycle.addStartupHook(release);
    rootLifecycle.addShutdownHook(release);
    return manager;
  },
  async factory({ pluginMetadata, lifecycle, logger }, manager) {
    return manager.forPlugin(pluginMetadata.getId(), { lifecycle, logger });
  },
});
