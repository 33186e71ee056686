/**
 * The P1 and P2 profiles: where the time of push → readable goes, counted with the catalog's
 * own debug logs (`Processing <ref>` when the processing engine starts an entity,
 * `Stitching <ref>` when the stitcher starts it), against the baseline backend in its own
 * process, as `bench/push.ts` runs it.
 *
 *   node --import tsx bench/trace-catalog.ts [--samples 30]     P1: push vs refresh, per phase
 *   node --import tsx bench/trace-catalog.ts --bulk 100         P2: N sources × 10 entities
 *     --stitchPollMs MS / --processingInterval S   the catalog's own settings
 *     --postgres (STAGEDOOR_TEST_POSTGRES) / --memory (SQLite in memory, no disk syncs)
 *     TRACE_CPU_PROF_DIR=dir   `--cpu-prof` on the backend (summarise with bench/cpuprofile.ts)
 *     TRACE_SQL=1 TRACE_OUTPUT=file   log every SQL statement (knex:query) to count queries
 *
 * P1 mode records per sample: the request answered, the first `Processing` of the entity (or
 * of its location, for a refresh), the last `Processing` of the entity, its `Stitching`, and
 * the first read that shows the change; then prints the median of each phase. Bulk mode
 * prints how many entities the engine and the stitcher started per 10 s.
 */
import { writeFileSync } from 'node:fs';
import { startBackendApp, type BackendApp } from '../test/fixtures/backendApp';
import { serveFiles } from '../test/catalog-module/harness';
import {
  dropDatabases,
  postgresDatabaseConfig,
  uniquePrefix,
} from '../test/fixtures/postgres';
import {
  locationSamples,
  pushSamples,
  type P1Options,
  type P1Sample,
} from './p1';
import { cpuProfileArgs } from './cpuprofile';
import { api, doc, pushBody } from './push';
import { median } from './table';

/** A P1 sample with the refs whose processing belongs to it (the entity, and its location for a refresh). */
type Sample = P1Sample & { related: string[] };

interface Phases {
  /** Request sent → answered. */
  answer: number;
  /** Answered → the engine starts the first related entity. */
  waitProcessing: number;
  /** First related processing → last processing of the entity itself. */
  processing: number;
  /** Last processing of the entity → the stitcher starts it. */
  waitStitch: number;
  /** Stitching started → the read shows the change. */
  stitchToRead: number;
  total: number;
}

const runId = Date.now().toString(36);

interface LogEvent {
  at: number;
  what: 'Processing' | 'Stitching';
  ref: string;
}

/** The catalog's `Processing <ref>` and `Stitching <ref>` debug lines, with their timestamps. */
function catalogEvents(output: string): LogEvent[] {
  const events: LogEvent[] = [];
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const line = /^(\S+Z) catalog debug (Processing|Stitching) (\S+)/gm;
  for (let m = line.exec(plain); m; m = line.exec(plain)) {
    events.push({
      at: Date.parse(m[1]),
      what: m[2] as LogEvent['what'],
      ref: m[3].toLowerCase(),
    });
  }
  return events;
}

function phasesOf(s: Sample, events: LogEvent[]): Phases | undefined {
  const inWindow = events.filter(
    e => e.at >= s.started - 5 && e.at <= s.readable,
  );
  const firstProcessing = inWindow.find(
    e => e.what === 'Processing' && s.related.includes(e.ref),
  );
  const own = inWindow.filter(e => e.ref === s.ref);
  const lastProcessing = own.filter(e => e.what === 'Processing').at(-1);
  const stitching = own.filter(e => e.what === 'Stitching').at(-1);
  if (!firstProcessing || !lastProcessing || !stitching) return undefined;
  return {
    answer: s.answered - s.started,
    waitProcessing: firstProcessing.at - s.answered,
    processing: lastProcessing.at - firstProcessing.at,
    waitStitch: stitching.at - lastProcessing.at,
    stitchToRead: s.readable - stitching.at,
    total: s.readable - s.started,
  };
}

/** P2 profile: N sources × 10 entities pushed with 8 in flight, until all are readable. */
async function traceBulk(app: BackendApp, sources: number) {
  const tag = `t2-${runId}`;
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < sources) {
        const i = next++;
        const content = Array.from({ length: 10 }, (_, j) =>
          doc(`t2-${runId}-${i}-${j}`, 'bulk', tag),
        ).join('---\n');
        const res = await api(
          app,
          'POST',
          '/stagedoor/v1/push',
          pushBody(`t2-${i}`, { 'catalog-info.yaml': content }, i + 1),
        );
        if (res.status !== 200)
          throw new Error(`trace-catalog: push answered ${res.status}`);
      }
    }),
  );
  const answered = Date.now();
  for (;;) {
    const res = await api(
      app,
      'GET',
      `/entities/by-query?filter=metadata.tags=${tag}&limit=1&fields=metadata.name`,
    );
    if (res.body.totalItems >= sources * 10) break;
    await new Promise(r => setTimeout(r, 200));
  }
  console.log(
    `${sources * 10} entities: pushes answered ${answered - started} ms, all readable ${Date.now() - started} ms`,
  );
}

/** Entities started per second by the processing engine and by the stitcher. */
function summariseBulk(events: LogEvent[]) {
  const bulk = events.filter(e => e.ref.includes('/t2-'));
  const start = bulk[0]?.at ?? 0;
  const processing = bulk.filter(e => e.what === 'Processing');
  const stitching = bulk.filter(e => e.what === 'Stitching');
  const span = (list: LogEvent[]) =>
    list.length ? (list.at(-1)!.at - start) / 1000 : 0;
  console.log(
    `processing: ${processing.length} starts, last at ${span(processing).toFixed(1)} s, ` +
      `${(processing.length / span(processing)).toFixed(1)}/s; ` +
      `stitching: ${stitching.length} starts, last at ${span(stitching).toFixed(1)} s, ` +
      `${(stitching.length / span(stitching)).toFixed(1)}/s`,
  );
  // Backlog every 10 s: entities processed but not yet stitched.
  const rows: string[] = [];
  for (let t = 10; t <= Math.ceil(span(stitching)); t += 10) {
    const p = processing.filter(e => e.at - start <= t * 1000).length;
    const s = stitching.filter(e => e.at - start <= t * 1000).length;
    rows.push(`${t}s: processed ${p}, stitched ${s}`);
  }
  console.log(rows.join('\n'));
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

async function main() {
  const samples = flag('--samples') ?? 30;
  const processingInterval = flag('--processingInterval');
  const stitchPollMs = flag('--stitchPollMs');
  const files = new Map<string, string>();
  const server = await serveFiles(files);
  const pgUrl = process.argv.includes('--postgres')
    ? process.env.STAGEDOOR_TEST_POSTGRES
    : undefined;
  if (process.argv.includes('--postgres') && !pgUrl)
    throw new Error('trace-catalog: --postgres needs STAGEDOOR_TEST_POSTGRES');
  const prefix = uniquePrefix();
  const app = await startBackendApp({
    env: {
      LOG_LEVEL: 'debug',
      ...(process.env.TRACE_SQL ? { DEBUG: 'knex:query' } : {}),
    },
    nodeArgs: cpuProfileArgs(process.env.TRACE_CPU_PROF_DIR),
    timeoutMs: 300_000,
    config: {
      backend: {
        reading: { allow: [{ host: server.host }] },
        ...(process.argv.includes('--memory')
          ? {
              database: {
                client: 'better-sqlite3',
                connection: ':memory:',
              },
            }
          : {}),
        ...(pgUrl ? { database: postgresDatabaseConfig(pgUrl, prefix) } : {}),
      },
      catalog: {
        ...(processingInterval
          ? { processingInterval: { seconds: processingInterval } }
          : {}),
        ...(stitchPollMs
          ? {
              stitchingStrategy: {
                pollingInterval: { milliseconds: stitchPollMs },
              },
            }
          : {}),
      },
      stagedoor: {
        push: { rules: [{ principals: ['stagedoor-dev'], sources: ['**'] }] },
      },
    },
  }).catch(async error => {
    await server.close();
    throw error;
  });
  const taken: Sample[] = [];
  const bulk = flag('--bulk');
  if (bulk) {
    try {
      await traceBulk(app, bulk);
    } finally {
      await app.stop().catch(() => undefined);
      await server.close();
      if (pgUrl) await dropDatabases(pgUrl, prefix);
    }
    if (process.env.TRACE_OUTPUT)
      writeFileSync(process.env.TRACE_OUTPUT, app.output());
    summariseBulk(catalogEvents(app.output()));
    return;
  }
  const p1: P1Options = {
    app,
    prefix: `t1-${runId}`,
    label: 'trace-catalog',
    pollMs: 10,
    timeoutMs: 60_000,
  };
  try {
    for await (const sample of pushSamples(p1, samples))
      taken.push({ ...sample, related: [sample.ref] });
    let locationRef = '';
    for await (const sample of locationSamples(
      p1,
      samples / 2,
      files,
      server.baseUrl,
    )) {
      if (sample.path === 'location') {
        const location = await api(
          app,
          'GET',
          `/entities/by-query?filter=kind=location,spec.target=${encodeURIComponent(sample.target)}&fields=metadata.name`,
        );
        locationRef = `location:default/${location.body.items[0]?.metadata.name}`;
      } else {
        taken.push({ ...sample, related: [sample.ref, locationRef] });
      }
    }
  } finally {
    await app.stop().catch(() => undefined);
    await server.close();
    if (pgUrl) await dropDatabases(pgUrl, prefix);
  }
  const events = catalogEvents(app.output());
  const keys: (keyof Phases)[] = [
    'answer',
    'waitProcessing',
    'processing',
    'waitStitch',
    'stitchToRead',
    'total',
  ];
  console.log(
    `| path | samples | ${keys.join(' | ')} |\n|---|---|${keys.map(() => '---').join('|')}|`,
  );
  for (const path of ['push create', 'push update', 'refresh'] as const) {
    const phases = taken
      .filter(s => s.path === path)
      .map(s => phasesOf(s, events))
      .filter((p): p is Phases => !!p);
    console.log(
      `| ${path} | ${phases.length} | ${keys
        .map(k => `${median(phases.map(p => p[k])).toFixed(0)} ms`)
        .join(' | ')} |`,
    );
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
