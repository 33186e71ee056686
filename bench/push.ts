/**
 * P1 and P2: push-based ingestion against the catalog's own paths, in the same run,
 * against the baseline backend running in its own process (as `npm start` runs it).
 *
 * P1: push → entity readable via `GET /api/catalog/entities/by-name/…` (creates and
 * updates), beside `POST /api/catalog/refresh` → change visible and registering a `url`
 * location → entity visible (files served from a loopback HTTP server).
 * P2: N sources × 10 entities pushed with bounded concurrency until all are readable,
 * beside registering the same N files as `url` locations; backend RSS sampled throughout.
 *
 *   node --import tsx bench/push.ts            small sizes (20 pushes, 50 sources)
 *   node --import tsx bench/push.ts --full     issue 11 sizes (60 pushes, 1,000 sources)
 *   --processingInterval S / --stitchPollMs MS try the catalog's own settings;
 *   --journal delete|wal the SQLite journal mode (stagedoor.sqliteJournalMode; the baseline's is wal);
 *   --pushes N / --sources N override the sizes (--pushes 0 skips P1); --no-locations / --no-floor
 *   skip those P2 paths; --postgres uses STAGEDOOR_TEST_POSTGRES instead of SQLite, and
 *   --replicas N runs N baseline backends on it (pushes spread over them, the floor likewise);
 *   --idle S samples the backend's CPU for S seconds with nothing pushed after P2 (default 30)
 *   BENCH_CPU_PROF_DIR=dir   `--cpu-prof` on every backend (dir/push, dir/floor; summarise with
 *                            bench/cpuprofile.ts): what the P2 notes in docs/performance.md cite
 *
 * P2's floor: the same N × 10 entities (read back from the catalog the pushes filled, as the
 * catalog serves them) applied in one full mutation by an entity provider (bench/floorModule.ts)
 * in the baseline's catalog on a fresh database (bench/floorBackend.ts: same config files,
 * database service and SQLite journal), timed from the request to all readable.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import type { Entity } from '@backstage/catalog-model';
import {
  startBackendApp,
  DEV_TOKEN,
  type BackendApp,
} from '../test/fixtures/backendApp';
import {
  dropDatabases,
  postgresDatabaseConfig,
  uniquePrefix,
} from '../test/fixtures/postgres';
import { serveFiles } from '../test/catalog-module/harness';
import { cpuProfileArgs } from './cpuprofile';
import { locationSamples, pushSamples, type P1Options } from './p1';
import {
  type BenchRow,
  median,
  megabytes,
  percentile,
  renderTable,
  seconds,
} from './table';

/** `--cpu-prof` into BENCH_CPU_PROF_DIR/<name> when that variable is set. */
function profileArgs(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return cpuProfileArgs(dir && join(dir, name));
}

export interface PushBenchOptions {
  /** P1 sample size for each path (push; refresh and location get the same count). Default 20. */
  pushes?: number;
  /** P2: sources of 10 entities each. Default 50. */
  sources?: number;
  /** Default `sqlite`; `postgres` needs STAGEDOOR_TEST_POSTGRES. */
  database?: 'sqlite' | 'postgres';
  /** P2 concurrency. Default 8. */
  concurrency?: number;
  /**
   * Catalog settings to try (the catalog's own knobs, applied to every path alike):
   * `catalog.processingInterval` in seconds and `catalog.stitchingStrategy.pollingInterval` in ms.
   */
  processingIntervalSeconds?: number;
  stitchPollMs?: number;
  /** SQLite's journal mode (`stagedoor.sqliteJournalMode`). Default: the baseline's (wal). */
  journalMode?: 'wal' | 'delete';
  /** P2 beside url locations. Default true. */
  locations?: boolean;
  /** P2's floor (one full mutation of the same entities). Default true. */
  floor?: boolean;
  /**
   * How long the backends' CPU is sampled with nothing pushed after P2. Default 30 s; the
   * catalog's default processing interval re-processes an entity 100–150 s after it was processed.
   */
  idleMs?: number;
  /** Baseline backends sharing the PostgreSQL database. Default 1. */
  replicas?: number;
}

export interface PushBenchResult {
  database: string;
  pushMs: number[];
  /** P1: until the push was answered (validation, ownership, store, delta). */
  pushAnswerMs: number[];
  refreshMs: number[];
  locationMs: number[];
  sources: number;
  /** P2: until every push was answered 200 (the rest is the catalog's processing). */
  pushAnsweredMs: number;
  pushAllMs: number;
  /** 0 when skipped. */
  locationsAllMs: number;
  /** P2's floor, request → all readable; 0 when skipped. */
  floorAllMs: number;
  /** The floor's request until the catalog had stored the mutation. */
  floorAnsweredMs: number;
  /** CPU time of the floor's backends (user + system) from its request to all readable. */
  floorCpuMs: number[];
  /** CPU time of each backend process (user + system) from the first P2 push to all readable. */
  replicaCpuMs: number[];
  /**
   * CPU time of each backend over `idleMs` with nothing pushed, once the P2
   * pushes were readable: the catalog's re-processing of what it holds (`catalog.processingInterval`).
   */
  idleCpuMs: number[];
  idleMs: number;
  /** PostgreSQL: the catalog database's size once the P2 pushes were readable (with P1's few entities). */
  catalogDbBytes?: number;
  replicas: number;
  maxRssBytes: number;
}

const runId = Date.now().toString(36);

/** A Component's YAML (shared with bench/trace-catalog.ts). */
export function doc(name: string, description: string, tag?: string): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Component',
    'metadata:',
    `  name: ${name}`,
    `  description: ${JSON.stringify(description)}`,
    ...(tag ? ['  tags:', `    - ${tag}`] : []),
    'spec:',
    '  type: service',
    '  lifecycle: production',
    '  owner: bench-team',
    '',
  ].join('\n');
}

/** A catalog API call with the development token. */
export async function api(
  app: BackendApp,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${app.baseUrl}/api/catalog${path}`, {
    method,
    headers: {
      authorization: `Bearer ${DEV_TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 600_000,
  pollMs = 20,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, pollMs));
  }
}

export function pushBody(
  repo: string,
  files: Record<string, string>,
  buildId: number,
) {
  return {
    source: {
      organizationUrl: 'https://dev.azure.com/bench',
      project: 'bench',
      repositoryName: repo,
      branch: 'refs/heads/main',
      commit: buildId.toString(16).padStart(40, '0'),
      buildId,
    },
    files: Object.entries(files).map(([path, content]) => ({ path, content })),
  };
}

/**
 * A random pause before each P1 sample, not timed: the catalog's processing loop and
 * stitcher sleep a fixed 1 s when idle, and back-to-back samples would otherwise lock onto
 * their phase (every sample waiting the full second, or none). Pipelines push at random times.
 */
export const jitter = () =>
  new Promise(r => setTimeout(r, Math.random() * 1000));

async function pool<T>(
  items: T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const countTagged = (app: BackendApp, tag: string) => async () => {
  const res = await api(
    app,
    'GET',
    `/entities/by-query?filter=metadata.tags=${tag}&limit=1&fields=metadata.name`,
  );
  return res.body?.totalItems as number;
};

export async function runPushBench(
  options: PushBenchOptions = {},
): Promise<PushBenchResult> {
  const pushes = options.pushes ?? 20;
  const sources = options.sources ?? 50;
  const concurrency = options.concurrency ?? 8;
  const database = options.database ?? 'sqlite';
  const files = new Map<string, string>();
  const server = await serveFiles(files);
  const prefix = uniquePrefix();
  const pgUrl = process.env.STAGEDOOR_TEST_POSTGRES;
  if (database === 'postgres' && !pgUrl)
    throw new Error('bench: --postgres needs STAGEDOOR_TEST_POSTGRES');
  const replicas = database === 'postgres' ? (options.replicas ?? 1) : 1;
  const config = (dbPrefix: string) => ({
    backend: {
      reading: { allow: [{ host: server.host }] },
      ...(database === 'postgres'
        ? { database: postgresDatabaseConfig(pgUrl!, dbPrefix) }
        : {}),
    },
    ...(options.processingIntervalSeconds || options.stitchPollMs
      ? {
          catalog: {
            ...(options.processingIntervalSeconds
              ? {
                  processingInterval: {
                    seconds: options.processingIntervalSeconds,
                  },
                }
              : {}),
            ...(options.stitchPollMs
              ? {
                  stitchingStrategy: {
                    pollingInterval: { milliseconds: options.stitchPollMs },
                  },
                }
              : {}),
          },
        }
      : {}),
    stagedoor: {
      push: { rules: [{ principals: ['stagedoor-dev'], sources: ['**'] }] },
      ...(options.journalMode
        ? { sqliteJournalMode: options.journalMode }
        : {}),
    },
  });
  const apps: BackendApp[] = [];
  try {
    for (let i = 0; i < replicas; i++)
      apps.push(
        await startBackendApp({
          timeoutMs: 300_000,
          config: config(prefix),
          nodeArgs: profileArgs('push'),
        }),
      );
  } catch (error) {
    // Without the backend there is nothing to measure; free the file server so the process can exit.
    for (const a of apps) await a.stop();
    await server.close();
    if (database === 'postgres') await dropDatabases(pgUrl!, prefix);
    throw error;
  }
  const app = apps[0];
  let maxRssBytes = 0;
  const sampler = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(
        readFileSync(`/proc/${app.pid}/status`, 'utf8'),
      );
      if (m) maxRssBytes = Math.max(maxRssBytes, Number(m[1]) * 1024);
    } catch {
      // process gone
    }
  }, 250);
  let pushed: Entity[] = [];
  let result: PushBenchResult;
  try {
    // P1 (bench/p1.ts): pushes, then url locations registered and refreshed.
    const p1: P1Options = {
      app,
      prefix: `p1-${runId}`,
      label: 'bench',
      pollMs: 20,
      timeoutMs: 600_000,
    };
    const pushMs: number[] = [];
    const pushAnswerMs: number[] = [];
    for await (const sample of pushSamples(p1, pushes)) {
      pushAnswerMs.push(sample.answered - sample.started);
      pushMs.push(sample.readable - sample.started);
    }
    let build = pushes + 1;
    const locationMs: number[] = [];
    const refreshMs: number[] = [];
    for await (const sample of locationSamples(
      p1,
      pushes,
      files,
      server.baseUrl,
    ))
      (sample.path === 'location' ? locationMs : refreshMs).push(
        sample.readable - sample.started,
      );
    // P2: N sources × 10 entities, pushed with bounded concurrency until all are readable.
    const pushTag = `p2-push-${runId}`;
    const indexes = Array.from({ length: sources }, (_, i) => i);
    const tenDocs = (kind: string, i: number, tag: string) =>
      Array.from({ length: 10 }, (_, j) =>
        doc(`p2-${kind}-${runId}-${i}-${j}`, 'bulk', tag),
      ).join('---\n');
    const cpuBefore = apps.map(a => cpuMs(a.pid));
    let started = Date.now();
    await pool(indexes, concurrency, async i => {
      const res = await api(
        apps[i % apps.length],
        'POST',
        '/stagedoor/v1/push',
        pushBody(
          `p2-${i}`,
          { 'catalog-info.yaml': tenDocs('push', i, pushTag) },
          build++,
        ),
      );
      if (res.status !== 200)
        throw new Error(
          `bench: P2 push answered ${res.status}: ${JSON.stringify(res.body)}`,
        );
    });
    const pushAnsweredMs = Date.now() - started;
    await until(
      async () => (await countTagged(app, pushTag)()) >= sources * 10,
      'P2 pushes',
      3_600_000,
      200,
    );
    const pushAllMs = Date.now() - started;
    const replicaCpuMs = apps.map((a, i) => cpuMs(a.pid) - cpuBefore[i]);
    const catalogDbBytes =
      database === 'postgres'
        ? await databaseSize(pgUrl!, `${prefix}catalog`)
        : undefined;
    if (options.floor ?? true) pushed = await tagged(app, pushTag);
    const idleBefore = apps.map(a => cpuMs(a.pid));
    const idleMs = options.idleMs ?? 30_000;
    await new Promise(r => setTimeout(r, idleMs));
    const idleCpuMs = apps.map((a, i) => cpuMs(a.pid) - idleBefore[i]);
    let locationsAllMs = 0;
    if (options.locations ?? true) {
      const locTag = `p2-loc-${runId}`;
      for (const i of indexes)
        files.set(`/p2/${i}.yaml`, tenDocs('loc', i, locTag));
      started = Date.now();
      await pool(indexes, concurrency, async i => {
        const res = await api(apps[i % apps.length], 'POST', '/locations', {
          type: 'url',
          target: `${server.baseUrl}/p2/${i}.yaml`,
        });
        if (res.status !== 201)
          throw new Error(`bench: P2 location answered ${res.status}`);
      });
      await until(
        async () => (await countTagged(app, locTag)()) >= sources * 10,
        'P2 locations',
        3_600_000,
        200,
      );
      locationsAllMs = Date.now() - started;
    }
    result = {
      catalogDbBytes,
      database,
      pushMs,
      pushAnswerMs,
      refreshMs,
      locationMs,
      sources,
      pushAnsweredMs,
      pushAllMs,
      locationsAllMs,
      floorAllMs: 0,
      floorAnsweredMs: 0,
      floorCpuMs: [],
      replicas,
      replicaCpuMs,
      idleCpuMs,
      idleMs,
      maxRssBytes,
    };
  } finally {
    clearInterval(sampler);
    for (const a of apps) await a.stop();
    if (database === 'postgres') await dropDatabases(pgUrl!, prefix);
  }
  try {
    if (pushed.length) {
      const floor = await runFloor(
        pushed,
        replicas,
        config,
        database === 'postgres' ? pgUrl! : undefined,
      );
      result.floorAllMs = floor.allMs;
      result.floorAnsweredMs = floor.answeredMs;
      result.floorCpuMs = floor.cpuMs;
    }
  } finally {
    await server.close();
  }
  return result;
}

/** A PostgreSQL database's size in bytes. */
async function databaseSize(url: string, name: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ size: string }>(
      'SELECT pg_database_size($1) AS size',
      [name],
    );
    return Number(rows[0].size);
  } finally {
    await client.end();
  }
}

/** CPU time (user + system) a process has used so far, ms (Linux /proc). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    // utime and stime are fields 14 and 15 of stat (12 and 13 after the name).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Every entity with the tag, as the catalog API serves it (cursor pages). */
async function tagged(app: BackendApp, tag: string): Promise<Entity[]> {
  const entities: Entity[] = [];
  let query = `filter=metadata.tags=${tag}&limit=1000`;
  for (;;) {
    const res = await api(app, 'GET', `/entities/by-query?${query}`);
    entities.push(...res.body.items);
    const cursor = res.body.pageInfo?.nextCursor;
    if (!cursor) return entities;
    query = `cursor=${encodeURIComponent(cursor)}&limit=1000`;
  }
}

/**
 * P2's floor: the entities applied in one full mutation by bench/floorModule.ts in the
 * baseline's catalog (bench/floorBackend.ts) on a fresh database, timed to all readable.
 */
async function runFloor(
  entities: Entity[],
  replicas: number,
  config: (dbPrefix: string) => Record<string, unknown>,
  pgUrl: string | undefined,
) {
  const prefix = uniquePrefix();
  const apps: BackendApp[] = [];
  try {
    for (let i = 0; i < replicas; i++)
      apps.push(
        await startBackendApp({
          timeoutMs: 300_000,
          entry: resolve(__dirname, 'floorBackend.ts'),
          config: config(prefix),
          nodeArgs: profileArgs('floor'),
        }),
      );
    const app = apps[0];
    const tag = entities[0].metadata.tags![0];
    const waitFrom = Date.now();
    let started: number;
    let cpuBefore: number[];
    for (;;) {
      cpuBefore = apps.map(a => cpuMs(a.pid));
      // Timed from the request the catalog took (503 until the provider is connected).
      started = Date.now();
      const res = await api(app, 'POST', '/bench-floor/apply', { entities });
      if (res.status === 200) break;
      if (res.status !== 503 || Date.now() - waitFrom > 60_000)
        throw new Error(
          `bench: floor answered ${res.status}: ${JSON.stringify(res.body)}`,
        );
      await new Promise(r => setTimeout(r, 50));
    }
    const answeredMs = Date.now() - started;
    await until(
      async () => (await countTagged(app, tag)()) >= entities.length,
      'P2 floor',
      3_600_000,
      200,
    );
    const allMs = Date.now() - started;
    return {
      answeredMs,
      allMs,
      cpuMs: apps.map((a, i) => cpuMs(a.pid) - cpuBefore[i]),
    };
  } finally {
    for (const a of apps) await a.stop();
    if (pgUrl) await dropDatabases(pgUrl, prefix);
  }
}

/** The P1/P2 lines of the bench table. */
export function pushRows(r: PushBenchResult, full: boolean): BenchRow[] {
  const rows: BenchRow[] = [];
  const enough = r.pushMs.length >= 50;
  const bigEnough = r.sources >= 1000 || full;
  const db = `${r.database}${r.replicas > 1 ? `, ${r.replicas} replicas` : ''}`;
  if (r.pushMs.length) {
    const pushMedian = median(r.pushMs);
    const refreshMedian = median(r.refreshMs);
    const p95 = percentile(r.pushMs, 95);
    rows.push(
      {
        id: 'P1',
        figure: `push → readable, median (${r.pushMs.length} pushes, ${db})`,
        value: seconds(pushMedian),
        target: '≤ 1.1 × refresh → visible',
        alternative: `refresh ${seconds(refreshMedian)}; url location ${seconds(median(r.locationMs))} (push answered in ${seconds(median(r.pushAnswerMs))})`,
        ratio: `${(pushMedian / refreshMedian).toFixed(2)} ×`,
        pass: enough ? pushMedian <= 1.1 * refreshMedian : null,
      },
      {
        id: 'P1',
        figure: `push → readable, p95 (${db})`,
        value: seconds(p95),
        target: '≤ 3 s',
        alternative: `refresh p95 ${seconds(percentile(r.refreshMs, 95))}`,
        ratio: '–',
        pass: enough ? p95 <= 3000 : null,
      },
    );
  }
  const size = `${r.sources} sources × 10 entities pushed → all readable (${db})`;
  if (r.floorAllMs) {
    const ratio = r.pushAllMs / r.floorAllMs;
    rows.push({
      id: 'P2',
      figure: `${size}, against the catalog's floor`,
      value: seconds(r.pushAllMs),
      target: '≤ 1.15 × floor',
      alternative: `floor (an entity provider's one full mutation of the same entities) ${seconds(r.floorAllMs)} (stored in ${seconds(r.floorAnsweredMs)}); backend CPU push ${r.replicaCpuMs.map(seconds).join(' + ')}, floor ${r.floorCpuMs.map(seconds).join(' + ')}`,
      ratio: `${ratio.toFixed(2)} × floor`,
      pass: bigEnough ? ratio <= 1.15 : null,
    });
  }
  if (r.locationsAllMs)
    rows.push({
      id: 'P2',
      figure: `${size}, against url locations and the 60 s goal`,
      value: seconds(r.pushAllMs),
      target: '≤ 60 s (goal); ≥ 2 × faster than url locations',
      alternative: `url locations ${seconds(r.locationsAllMs)} (pushes answered in ${seconds(r.pushAnsweredMs)})`,
      ratio: `${(r.locationsAllMs / r.pushAllMs).toFixed(2)} × faster`,
      pass: bigEnough
        ? r.pushAllMs <= 60_000 && r.locationsAllMs >= 2 * r.pushAllMs
        : null,
    });
  rows.push({
    id: 'P2',
    figure: `backend RSS, max during the run (${db}${r.replicas > 1 ? ', first replica' : ''})`,
    value: megabytes(r.maxRssBytes),
    target: '≤ 1 GiB',
    alternative: `backend CPU from the first P2 push to all readable: ${r.replicaCpuMs.map(seconds).join(' + ')} in ${seconds(r.pushAllMs)}, then ${r.idleCpuMs.map(seconds).join(' + ')} in ${seconds(r.idleMs)} idle (re-processing)${r.catalogDbBytes ? `; catalog database ${megabytes(r.catalogDbBytes)}` : ''}`,
    ratio: '–',
    pass: bigEnough ? r.maxRssBytes <= 1024 ** 3 : null,
  });
  return rows;
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

if (require.main === module) {
  const full = process.argv.includes('--full');
  const database = process.argv.includes('--postgres') ? 'postgres' : 'sqlite';
  runPushBench({
    pushes: flag('--pushes') ?? (full ? 60 : 20),
    sources: flag('--sources') ?? (full ? 1000 : 50),
    database,
    processingIntervalSeconds: flag('--processingInterval'),
    stitchPollMs: flag('--stitchPollMs'),
    journalMode: process.argv.includes('--journal')
      ? (process.argv[process.argv.indexOf('--journal') + 1] as
          | 'wal'
          | 'delete')
      : undefined,
    locations: !process.argv.includes('--no-locations'),
    floor: !process.argv.includes('--no-floor'),
    replicas: flag('--replicas'),
    idleMs: flag('--idle') !== undefined ? flag('--idle')! * 1000 : undefined,
  })
    .then(r => {
      console.log(renderTable(pushRows(r, full)));
      console.log(
        JSON.stringify(
          {
            ...r,
            pushMs: undefined,
            pushAnswerMs: undefined,
            refreshMs: undefined,
            locationMs: undefined,
          },
          null,
          2,
        ),
      );
    })
    .catch(e => {
      console.error(e);
      process.exitCode = 1;
    });
}
