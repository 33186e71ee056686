import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import {
  type BackendApp,
  DEV_TOKEN,
  eventually,
  startBackendApp,
} from '../fixtures/backendApp';
import {
  dropDatabases,
  postgresDatabaseConfig,
  requirePostgres,
  uniquePrefix,
} from '../fixtures/postgres';
import { component, pushBody } from '../catalog-module/harness';

/**
 * Replicas of the baseline backend (child processes, as in production) on PostgreSQL,
 * started the way Kubernetes starts a Deployment's pods: all at once on a fresh
 * database set, an exited container restarted by its supervisor, and a new version
 * rolled out beside running ones while pipelines keep pushing.
 */

const ROUNDS = 5;
const REPLICAS = 3;
/** Every round must end with all replicas ready within this time. */
const ALL_READY_WITHIN_MS = 90_000;

/** Config for one replica on `prefix`: one database per plugin, as in production. */
function replicaConfig(url: string, prefix: string) {
  return {
    backend: {
      database: {
        ...postgresDatabaseConfig(url, prefix),
        pluginDivisionMode: 'database',
        ensureExists: true,
        // Several replicas per test share the server's max_connections with other suites:
        // small pools, but the catalog's as in production (each push in flight holds one
        // connection; start-up and migrations hold up to five).
        knexConfig: { pool: { min: 0, max: 3 } },
        plugin: { catalog: { knexConfig: { pool: { min: 0, max: 8 } } } },
      },
    },
    // No sample entities to read and process: start-up is what is measured here.
    catalog: { locations: [] },
  };
}

/** Output without the probes' request log lines. */
function withoutProbes(output: string): string {
  return output
    .split('\n')
    .filter(line => !line.includes('/.backstage/health/v1/'))
    .join('\n');
}

/** The newer release's extra migration (test only, never shipped). */
const TEST_MIGRATION = '29991231000000_rollout_test';
const NEWER_SCHEMA_PRELOAD = resolve(
  __dirname,
  '..',
  'fixtures',
  'pushMigrationsOverride.cjs',
);
/** Sources pushed concurrently during the rollout, one pipeline each. */
const SOURCES = 3;

/** `url` pointing at database `name`. */
function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** What the server is doing in the databases of `prefix`, for failure messages. */
async function databaseActivity(url: string, prefix: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select a.pid, a.datname, a.state, a.wait_event_type, a.wait_event,
              left(a.query, 120) as query,
              (select string_agg(l.objid::text, ',') from pg_locks l
                where l.pid = a.pid and l.locktype = 'advisory' and l.granted) as advisory
         from pg_stat_activity a where a.datname like $1 order by a.datname`,
      [`${prefix}%`],
    );
    return rows.map(r => JSON.stringify(r)).join('\n');
  } finally {
    await client.end();
  }
}

interface Supervised {
  app: BackendApp;
  restarts: number;
  /** Exit codes of the processes that ended during the round. */
  exitCodes: (number | null)[];
  stop(): Promise<void>;
}

/**
 * Watches `app` like the kubelet with `restartPolicy: Always`: every time the process
 * exits, it is started again (after a short back-off) until `stop()`.
 */
function supervise(app: BackendApp): Supervised {
  let stopping = false;
  const s: Supervised = {
    app,
    restarts: 0,
    exitCodes: [],
    stop: async () => {
      stopping = true;
      await app.stop();
      await loop;
    },
  };
  const loop = (async () => {
    while (!stopping) {
      const code = await app.exited();
      if (stopping) break;
      s.exitCodes.push(code);
      await new Promise(r => setTimeout(r, 500));
      if (stopping) break;
      s.restarts += 1;
      app.restart();
    }
  })();
  return s;
}

/** POST a push; a request that gets no answer at all is recorded as status 0. */
async function push(
  app: BackendApp,
  body: unknown,
): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`${app.baseUrl}/api/catalog/stagedoor/v1/push`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${DEV_TOKEN}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

async function description(
  app: BackendApp,
  name: string,
): Promise<string | null | undefined> {
  const res = await fetch(
    `${app.baseUrl}/api/catalog/entities/by-name/component/default/${name}`,
    {
      headers: { Authorization: `Bearer ${DEV_TOKEN}` },
      signal: AbortSignal.timeout(10_000),
    },
  );
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (res.status !== 200) return undefined;
  const entity = (await res.json()) as { metadata: { description?: string } };
  return entity.metadata.description;
}

describe('the baseline backend when its start-up fails', function () {
  this.timeout(120_000);

  it('exits with code 1 after logging the cause, instead of staying live and unready', async () => {
    const app = await startBackendApp({
      // The push module refuses this at start-up.
      config: { stagedoor: { push: { maxConcurrentPushes: 0 } } },
      waitForReady: false,
    });
    try {
      const code = await Promise.race([
        app.exited(),
        new Promise<'running'>(r => setTimeout(() => r('running'), 90_000)),
      ]);
      assert.equal(
        code,
        1,
        `expected exit code 1, got ${code}:\n${withoutProbes(app.output())}`,
      );
      const output = app.output();
      assert.equal(
        output.match(/Backend startup failed, exiting: .*/g)?.length,
        1,
        output,
      );
      assert.match(
        output,
        /Backend startup failed, exiting: [^\n]*\n[^\n]*maxConcurrentPushes must be a positive integer/,
      );
      assert.doesNotMatch(output, /Unhandled rejection/);
    } finally {
      await app.stop();
    }
  });
});

describe('replicas of the baseline backend on PostgreSQL', function () {
  // Five rounds of three cold starts on two shared cores, plus the rollout.
  this.timeout(20 * 60_000);

  let url: string;
  before(function () {
    url = requirePostgres(this);
  });

  it(`start ${REPLICAS} at once on a fresh database set and all become ready, ${ROUNDS} rounds out of ${ROUNDS}`, async () => {
    const figures: { round: number; restarts: number; allReadyMs: number }[] =
      [];
    for (let round = 1; round <= ROUNDS; round++) {
      const prefix = uniquePrefix();
      const started = Date.now();
      const replicas: Supervised[] = [];
      try {
        for (let i = 0; i < REPLICAS; i++) {
          const app = await startBackendApp({
            config: replicaConfig(url, prefix),
            waitForReady: false,
          });
          replicas.push(supervise(app));
        }
        const readyAt: (number | undefined)[] = replicas.map(() => undefined);
        for (;;) {
          await Promise.all(
            replicas.map(async (r, i) => {
              if (readyAt[i] === undefined && (await r.app.ready()))
                readyAt[i] = Date.now();
            }),
          );
          if (readyAt.every(t => t !== undefined)) break;
          if (Date.now() - started > ALL_READY_WITHIN_MS) {
            const states = await Promise.all(
              replicas.map(async (r, i) => {
                const live = await r.app.live();
                return `replica ${i + 1}: ${readyAt[i] ? 'ready' : live ? 'ALIVE BUT NOT READY' : 'not live'}, ${r.restarts} restarts, exits ${JSON.stringify(r.exitCodes)}`;
              }),
            );
            assert.fail(
              `round ${round}: not all replicas ready within ${ALL_READY_WITHIN_MS} ms\n${states.join('\n')}\n\n${await databaseActivity(url, prefix)}\n\n${replicas
                .filter((_, i) => !readyAt[i])
                .map(r => withoutProbes(r.app.output()).slice(-4000))
                .join('\n----\n')}`,
            );
          }
          await new Promise(r => setTimeout(r, 1_000));
        }
        // Ready is not a passing state: every replica still answers both probes.
        for (const [i, r] of replicas.entries()) {
          assert.ok(await r.app.ready(), `round ${round} replica ${i + 1}`);
          assert.ok(await r.app.live(), `round ${round} replica ${i + 1}`);
        }
        for (const r of replicas) {
          for (const code of r.exitCodes)
            assert.notEqual(code, 0, 'a failed start-up exits non-zero');
        }
        const figure = {
          round,
          restarts: replicas.reduce((n, r) => n + r.restarts, 0),
          allReadyMs: Math.max(...(readyAt as number[])) - started,
        };
        figures.push(figure);
        console.log(
          `      round ${figure.round}: ${figure.restarts} restart(s), all ${REPLICAS} ready after ${(figure.allReadyMs / 1000).toFixed(1)} s`,
        );
      } finally {
        await Promise.all(replicas.map(r => r.stop()));
        await dropDatabases(url, prefix);
      }
    }
    assert.equal(figures.length, ROUNDS);
  });

  it('roll out a replica with a newer schema beside two running ones while pushes flow: no 5xx, the right final state', async () => {
    const prefix = uniquePrefix();
    const migrations = mkdtempSync(join(tmpdir(), 'stagedoor-migrations-'));
    const apps: BackendApp[] = [];
    let pushing = true;
    try {
      // The next release: the shipped migrations plus one that adds a column and, like a
      // slow migration, holds its table lock for a while before it commits.
      cpSync(
        resolve(
          require.resolve(
            '@stagedoor/plugin-catalog-backend-module-push/package.json',
          ),
          '..',
          'migrations',
        ),
        migrations,
        { recursive: true },
      );
      writeFileSync(
        join(migrations, `${TEST_MIGRATION}.js`),
        [
          'exports.up = async function up(knex) {',
          "  await knex.schema.alterTable('stagedoor_push_sources', table => {",
          "    table.text('rollout_test_note').nullable().comment('Test migration only');",
          '  });',
          "  await knex.raw('select pg_sleep(3)');",
          '};',
          'exports.down = async function down(knex) {',
          "  await knex.schema.alterTable('stagedoor_push_sources', table => {",
          "    table.dropColumn('rollout_test_note');",
          '  });',
          '};',
          '',
        ].join('\n'),
      );

      const start = (newer: boolean) =>
        startBackendApp({
          config: replicaConfig(url, prefix),
          ...(newer
            ? {
                nodeArgs: ['--require', NEWER_SCHEMA_PRELOAD],
                env: { STAGEDOOR_TEST_PUSH_MIGRATIONS: migrations },
              }
            : {}),
        }).then(app => {
          apps.push(app);
          return app;
        });

      const inService: BackendApp[] = [await start(false), await start(false)];
      const results: {
        source: number;
        buildId: number;
        status: number;
        body?: string;
      }[] = [];
      const lastApplied = new Map<number, number>();
      let buildId = 50_000;
      const pipelines = Array.from({ length: SOURCES }, async (_, source) => {
        for (let n = 0; pushing; n++) {
          const id = ++buildId;
          const app = inService[(source + n) % inService.length];
          const res = await push(
            app,
            pushBody(
              `rollout-${source}`,
              {
                'catalog-info.yaml': component(`rollout-${source}`, {
                  description: `build ${id}`,
                }),
              },
              { buildId: id },
            ),
          );
          results.push({
            source,
            buildId: id,
            status: res.status,
            ...(res.status === 200 ? {} : { body: res.body.slice(0, 500) }),
          });
          if (res.status === 200) lastApplied.set(source, id);
        }
      });
      const pipelinesDone = Promise.all(pipelines);
      pipelinesDone.catch(() => undefined);

      await eventually(
        async () => (results.length >= 2 * SOURCES ? true : undefined),
        120_000,
        'pushes through the two running replicas',
      );
      const newer = await start(true);
      inService.push(newer);
      const during = results.length;
      await eventually(
        async () => (results.length >= during + 3 * SOURCES ? true : undefined),
        120_000,
        'pushes through all three replicas',
      );
      // A replica of the previous release restarted mid-rollout starts on the newer schema.
      const restartedOld = await start(false);
      inService.push(restartedOld);
      const after = results.length;
      await eventually(
        async () => (results.length >= after + 2 * SOURCES ? true : undefined),
        120_000,
        'pushes through all four replicas',
      );
      pushing = false;
      await pipelinesDone;

      const serverErrors = results.filter(r => r.status >= 500);
      assert.deepEqual(serverErrors, [], 'no push answered 5xx');
      const failures = results.filter(r => r.status !== 200);
      assert.deepEqual(failures, [], 'every push is applied');
      for (let source = 0; source < SOURCES; source++) {
        for (const app of apps) {
          await eventually(
            async () =>
              (await description(app, `rollout-${source}`)) ===
              `build ${lastApplied.get(source)}`
                ? true
                : undefined,
            120_000,
            `rollout-${source} at build ${lastApplied.get(source)} through ${app.baseUrl}`,
          );
        }
      }

      const db = new Client({
        connectionString: databaseUrl(url, `${prefix}catalog`),
      });
      await db.connect();
      try {
        const { rows } = await db.query<{ name: string }>(
          'select name from stagedoor_push__knex_migrations order by id',
        );
        assert.equal(
          rows.filter(r => r.name === `${TEST_MIGRATION}.js`).length,
          1,
          JSON.stringify(rows),
        );
        const column = await db.query(
          "select 1 from information_schema.columns where table_name = 'stagedoor_push_sources' and column_name = 'rollout_test_note'",
        );
        assert.equal(column.rowCount, 1, 'the newer schema is in place');
      } finally {
        await db.end();
      }
      console.log(
        `      ${results.length} pushes across the rollout, ${failures.length} not applied, none 5xx`,
      );
    } finally {
      pushing = false;
      await Promise.all(apps.map(app => app.stop()));
      await dropDatabases(url, prefix);
      rmSync(migrations, { recursive: true, force: true });
    }
  });
});
