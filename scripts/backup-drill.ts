/**
 * The backup drill: `npm run backup-drill` (PostgreSQL from STAGEDOOR_TEST_POSTGRES, or
 * `--url`). It proves a backup by restoring it:
 *
 * 1. seed: start the baseline backend on fresh databases and push a source (skipped with
 *    `--prefix <p>`, which drills the existing Backstage databases `<p>*` instead);
 * 2. dump every Backstage database (`pg_dump --format=custom`);
 * 3. restore each dump into a new database (`pg_restore`);
 * 4. compare every table's row count, original against restored;
 * 5. start the baseline backend against the restored databases and check that it serves
 *    every entity, every push source and every TechDocs metadata record of the original.
 *
 * "TechDocs metadata record" here: the baseline's TechDocs keep nothing in PostgreSQL (the
 * built sites and their techdocs_metadata.json live in the publisher's storage: a local
 * folder in development, an Azure Blob container in production, backed up by the storage
 * account). What the database holds for TechDocs is each documented entity (its
 * `backstage.io/techdocs-ref`); the drill checks that TechDocs' own metadata route
 * (`/api/techdocs/metadata/entity/...`) answers for every one of them after the restore.
 *
 * It prints the time of each step and exits non-zero on the first difference.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import {
  type BackendApp,
  DEV_TOKEN,
  eventually,
  startBackendApp,
} from '../test/fixtures/backendApp';

const run = promisify(execFile);

interface Options {
  url: string;
  /** The databases to drill: `<prefix>*`; undefined = seed fresh ones. */
  prefix?: string;
  keep: boolean;
}

function parseArgs(argv: string[]): Options {
  let url = process.env.STAGEDOOR_TEST_POSTGRES;
  let prefix: string | undefined;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--url') url = argv[++i];
    else if (arg === '--prefix') prefix = argv[++i];
    else if (arg === '--keep') keep = true;
    else
      throw new Error(
        `Unknown argument ${arg}; usage: backup-drill [--url postgres://…] [--prefix <database prefix>] [--keep]`,
      );
  }
  if (!url)
    throw new Error(
      'No PostgreSQL: set STAGEDOOR_TEST_POSTGRES=postgres://user@host:5432/postgres or pass --url',
    );
  if (prefix !== undefined && !/^[a-z0-9_]+$/.test(prefix))
    throw new Error(
      `--prefix ${prefix}: use the backend.database.prefix of the backend (lower-case letters, digits, _)`,
    );
  return { url, prefix, keep };
}

/** The connection URL of one database on the server of `url`. */
function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** `backend.database` config for the server of `url` and a prefix. */
function databaseConfig(url: string, prefix: string) {
  const u = new URL(url);
  return {
    client: 'pg',
    prefix,
    connection: {
      host: u.hostname,
      port: Number(u.port || 5432),
      user: decodeURIComponent(u.username || 'postgres'),
      password: decodeURIComponent(u.password || ''),
    },
  };
}

async function withClient<T>(
  url: string,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function databasesWithPrefix(
  url: string,
  prefix: string,
): Promise<string[]> {
  return withClient(url, async client => {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
      [prefix],
    );
    return rows.map(r => r.datname);
  });
}

async function dropDatabases(url: string, prefix: string): Promise<void> {
  for (const name of await databasesWithPrefix(url, prefix)) {
    await withClient(url, client =>
      client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
  }
}

/** Every user table's row count in one database, as `schema.table → count`. */
async function rowCounts(url: string): Promise<Map<string, number>> {
  return withClient(url, async client => {
    const { rows } = await client.query<{
      schemaname: string;
      relname: string;
    }>(
      `SELECT schemaname, relname FROM pg_stat_user_tables ORDER BY schemaname, relname`,
    );
    const counts = new Map<string, number>();
    for (const { schemaname, relname } of rows) {
      const { rows: n } = await client.query<{ count: string }>(
        `SELECT count(*) AS count FROM "${schemaname}"."${relname}"`,
      );
      counts.set(`${schemaname}.${relname}`, Number(n[0].count));
    }
    return counts;
  });
}

interface Inventory {
  entities: string[];
  sources: { key: string; commit: string }[];
  techdocs: { ref: string; techdocsRef: string }[];
}

/** What the original catalog database holds: entities (stitched), push sources, documented entities. */
async function inventory(catalogUrl: string): Promise<Inventory> {
  return withClient(catalogUrl, async client => {
    const { rows } = await client.query<{ final_entity: string }>(
      'SELECT final_entity FROM final_entities WHERE final_entity IS NOT NULL',
    );
    const entities: string[] = [];
    const techdocs: Inventory['techdocs'] = [];
    for (const { final_entity } of rows) {
      const e = JSON.parse(final_entity) as {
        kind: string;
        metadata: {
          name: string;
          namespace?: string;
          annotations?: Record<string, string>;
        };
      };
      const ref = `${e.kind}:${e.metadata.namespace ?? 'default'}/${e.metadata.name}`;
      entities.push(ref);
      const techdocsRef = e.metadata.annotations?.['backstage.io/techdocs-ref'];
      if (techdocsRef) techdocs.push({ ref, techdocsRef });
    }
    const { rows: sources } = await client.query<{
      source_key: string;
      commit: string;
    }>('SELECT source_key, commit FROM stagedoor_push_sources');
    return {
      entities: entities.sort(),
      sources: sources.map(s => ({ key: s.source_key, commit: s.commit })),
      techdocs,
    };
  });
}

const auth = { Authorization: `Bearer ${DEV_TOKEN}` };

async function getJson<T>(app: BackendApp, path: string): Promise<T> {
  const res = await fetch(`${app.baseUrl}${path}`, {
    headers: auth,
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 200)
    throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every entity ref the catalog API serves (paged through /entities/by-query). */
async function servedEntities(app: BackendApp): Promise<Set<string>> {
  const refs = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await getJson<{
      items: {
        kind: string;
        metadata: { name: string; namespace?: string };
      }[];
      pageInfo: { nextCursor?: string };
    }>(
      app,
      `/api/catalog/entities/by-query?limit=500&fields=kind,metadata.name,metadata.namespace${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const e of page.items)
      refs.add(
        `${e.kind}:${e.metadata.namespace ?? 'default'}/${e.metadata.name}`.toLowerCase(),
      );
    cursor = page.pageInfo.nextCursor;
  } while (cursor);
  return refs;
}

const seedSource = {
  organizationUrl: 'https://dev.azure.com/contoso',
  project: 'Payments',
  repositoryName: 'backup-drill',
  branch: 'refs/heads/main',
  commit: 'd0d0cafe00000000000000000000000000000001',
  buildId: 1,
};
const seedFiles = [
  {
    path: 'catalog-info.yaml',
    content: `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: backup-drill-service
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: group:default/platform-team
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: backup-drill-api
spec:
  type: openapi
  lifecycle: production
  owner: group:default/platform-team
  definition: 'openapi: 3.0.0'
`,
  },
];

/** Starts the baseline on `prefix`, pushes a source and waits until the catalog has stitched it. */
async function seed(url: string, prefix: string): Promise<void> {
  const app = await startBackendApp({
    config: { backend: { database: databaseConfig(url, prefix) } },
    timeoutMs: 180_000,
  });
  try {
    const res = await fetch(`${app.baseUrl}/api/catalog/stagedoor/v1/push`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ source: seedSource, files: seedFiles }),
      signal: AbortSignal.timeout(60_000),
    });
    if (res.status !== 200)
      throw new Error(`seed push answered ${res.status}: ${await res.text()}`);
    await eventually(
      async () => {
        const served = await servedEntities(app);
        return [
          'component:default/backup-drill-service',
          'api:default/backup-drill-api',
          'component:default/checkout-service',
        ].every(r => served.has(r))
          ? true
          : undefined;
      },
      120_000,
      'the pushed and the sample entities in the catalog',
    );
  } finally {
    await app.stop();
  }
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`- ${name} … `);
  try {
    const value = await fn();
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
    return value;
  } catch (error) {
    console.log(`failed after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    throw error;
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const { url } = options;
  const id = randomBytes(4).toString('hex');
  const seeded = options.prefix === undefined;
  const prefix = options.prefix ?? `stagedoor_drill_${id}_`;
  const restorePrefix = `stagedoor_restore_${id}_`;
  const dir = mkdtempSync(join(tmpdir(), 'stagedoor-backup-drill-'));
  const { stdout: version } = await run('pg_dump', ['--version']);
  console.log(
    `Backup drill: ${version.trim()}, databases ${prefix}* restored as ${restorePrefix}*`,
  );
  const started = Date.now();
  let restored: BackendApp | undefined;
  try {
    if (seeded)
      await step('seed: start the baseline backend, push a source', () =>
        seed(url, prefix),
      );
    const databases = await databasesWithPrefix(url, prefix);
    if (!databases.some(d => d === `${prefix}catalog`))
      throw new Error(
        `No database ${prefix}catalog on ${new URL(url).host}: is ${prefix} the backend.database.prefix of a backend that has started?`,
      );
    const original = await inventory(databaseUrl(url, `${prefix}catalog`));

    const dumps = await step(
      `dump ${databases.length} databases (pg_dump --format=custom)`,
      async () => {
        const files: { database: string; file: string }[] = [];
        for (const database of databases) {
          const file = join(dir, `${database}.dump`);
          await run(
            'pg_dump',
            [
              '--format=custom',
              '--no-owner',
              '--file',
              file,
              '--dbname',
              databaseUrl(url, database),
            ],
            { timeout: 10 * 60_000 },
          );
          files.push({ database, file });
        }
        return files;
      },
    );
    const bytes = dumps.reduce((n, d) => n + statSync(d.file).size, 0);
    console.log(`  ${dumps.length} dumps, ${(bytes / 1024).toFixed(0)} KiB`);

    await step(
      'restore each dump into a new database (pg_restore)',
      async () => {
        for (const { database, file } of dumps) {
          const target = restorePrefix + database.slice(prefix.length);
          await withClient(url, client =>
            client.query(`CREATE DATABASE "${target}"`),
          );
          await run(
            'pg_restore',
            [
              '--no-owner',
              '--exit-on-error',
              '--dbname',
              databaseUrl(url, target),
              file,
            ],
            { timeout: 10 * 60_000 },
          );
        }
      },
    );

    const tables = await step(
      'compare the row count of every table',
      async () => {
        const differences: string[] = [];
        let tables = 0;
        for (const database of databases) {
          const target = restorePrefix + database.slice(prefix.length);
          const before = await rowCounts(databaseUrl(url, database));
          const after = await rowCounts(databaseUrl(url, target));
          for (const [table, count] of before) {
            tables++;
            if (after.get(table) !== count)
              differences.push(
                `${database} ${table}: ${count} rows, restored ${after.get(table) ?? 'missing'}`,
              );
          }
        }
        if (differences.length > 0)
          throw new Error(`Restore differs:\n${differences.join('\n')}`);
        return tables;
      },
    );
    console.log(`  ${tables} tables, each with as many rows as the original`);

    restored = await step(
      'start the baseline backend on the restored databases',
      () =>
        startBackendApp({
          config: {
            backend: { database: databaseConfig(url, restorePrefix) },
          },
          timeoutMs: 180_000,
        }),
    );
    const app = restored;

    await step(
      `check ${original.entities.length} entities, ${original.sources.length} push source(s), ${original.techdocs.length} TechDocs record(s)`,
      async () => {
        const served = await servedEntities(app);
        const missing = original.entities.filter(
          r => !served.has(r.toLowerCase()),
        );
        if (missing.length > 0)
          throw new Error(
            `The restored catalog lacks ${missing.length} entities: ${missing.join(', ')}`,
          );
        for (const source of original.sources) {
          const status = await getJson<{ commit: string }>(
            app,
            `/api/catalog/stagedoor/v1/sources/${encodeURIComponent(source.key)}`,
          );
          if (status.commit !== source.commit)
            throw new Error(
              `Push source ${source.key}: restored at ${status.commit}, original at ${source.commit}`,
            );
        }
        for (const doc of original.techdocs) {
          const [kind, rest] = doc.ref.split(':');
          const [namespace, name] = rest.split('/');
          const metadata = await getJson<{
            metadata: { annotations?: Record<string, string> };
          }>(
            app,
            `/api/techdocs/metadata/entity/${encodeURIComponent(namespace)}/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`,
          );
          if (
            metadata.metadata.annotations?.['backstage.io/techdocs-ref'] !==
            doc.techdocsRef
          )
            throw new Error(
              `TechDocs metadata of ${doc.ref} lost its techdocs-ref after the restore`,
            );
        }
        if (original.entities.length === 0)
          throw new Error('The original catalog has no entities to check');
      },
    );
    console.log(
      `Backup drill passed in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
  } finally {
    await restored?.stop();
    rmSync(dir, { recursive: true, force: true });
    if (!options.keep) {
      await dropDatabases(url, restorePrefix);
      if (seeded) await dropDatabases(url, prefix);
    } else {
      console.log(
        `Kept the databases ${restorePrefix}*${seeded ? ` and ${prefix}*` : ''}.`,
      );
    }
  }
}

main().catch(error => {
  console.error(
    `Backup drill failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
