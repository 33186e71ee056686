/**
 * P7: discovery of a large organization against the fake Azure DevOps (every request
 * checked against the REST 7.1 specs, a fixed latency per request), into a real catalog
 * (in-process backend, SQLite), beside the catalog's floor measured in the same run.
 *
 * - First run: discovery's wall time and requests, and the time until every entity is
 *   readable through the catalog API; the floor is an entity provider applying the same
 *   entities (read back from the first catalog) in one full mutation into a fresh catalog.
 * - Second run, nothing changed: requests (no file reads) and wall time.
 * - One repository changed: which files were read.
 *
 *   node --import tsx bench/discovery.ts          small (200 repositories / 4 projects)
 *   node --import tsx bench/discovery.ts --full   issue 17 sizes (2,000 / 20)
 *   --repositories N --projects N --latency MS override the sizes
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  catalogProcessingExtensionPoint,
  type EntityProvider,
  type EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  componentYaml,
  type FakeAzureDevOps,
  seedOrganization,
  startFakeAzureDevOps,
} from '../test/fixtures/azure-devops';
import {
  type CatalogBackend,
  type CatalogBackendOptions,
  startCatalogBackend,
} from '../test/fixtures/catalogBackend';
import { type BenchRow, renderTable, seconds } from './table';

export interface DiscoveryBenchOptions {
  /** Default 200. */
  repositories?: number;
  /** Default 4. */
  projects?: number;
  /** Fake latency per request, ms. Default 50. */
  latencyMs?: number;
}

export interface DiscoveryBenchResult {
  repositories: number;
  projects: number;
  latencyMs: number;
  /** Repositories listed as live (not empty, not disabled). */
  live: number;
  entities: number;
  first: { wallMs: number; requests: number; readableMs: number };
  floorReadableMs: number;
  second: { wallMs: number; requests: number; fileReads: number };
  changed: {
    wallMs: number;
    requests: number;
    fileReads: number;
    /** File reads of repositories other than the changed one. */
    otherReads: number;
    readableMs: number;
  };
}

const TOKEN = 'bench-discovery-token';
const PAT = 'bench-discovery-pat';
const TASK = 'stagedoor-discovery';

async function call(backend: CatalogBackend, method: string, path: string) {
  const res = await fetch(`${backend.baseUrl}/api/catalog${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}` },
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  if (res.status >= 300)
    throw new Error(`bench: ${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
  pollMs = 100,
  timeoutMs = 900_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = await check();
    } catch (e) {
      // A kept-alive connection the busy backend closed: poll again.
      if (!(e instanceof TypeError && e.message === 'fetch failed')) throw e;
    }
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, pollMs));
  }
}

/** Components the catalog answers for (readable through its API). */
async function componentCount(backend: CatalogBackend): Promise<number> {
  const page = await call(
    backend,
    'GET',
    '/entities/by-query?filter=kind=component&limit=1',
  );
  return page.totalItems as number;
}

async function taskEndedAt(backend: CatalogBackend) {
  const { tasks } = await call(
    backend,
    'GET',
    '/.backstage/scheduler/v1/tasks',
  );
  const state = tasks.find((t: any) => t.taskId === TASK)?.taskState;
  if (state?.lastRunError)
    throw new Error(`bench: discovery failed: ${state.lastRunError}`);
  return state?.status === 'idle'
    ? (state.lastRunEndedAt as string)
    : 'running';
}

/**
 * Triggers a discovery run and measures it from its first Azure DevOps request (the
 * scheduler's own pick-up delay is not discovery's) to the run's end.
 */
async function timedRun(
  backend: CatalogBackend,
  fake: FakeAzureDevOps,
  readable?: () => Promise<boolean>,
) {
  const before = await taskEndedAt(backend);
  const from = fake.requests.length;
  let firstAt = 0;
  const watch = setInterval(() => {
    if (!firstAt && fake.requests.length > from) firstAt = Date.now();
  }, 5);
  await call(backend, 'POST', `/.backstage/scheduler/v1/tasks/${TASK}/trigger`);
  let readableAt = 0;
  const endedAt = await until(async () => {
    if (readable && !readableAt && firstAt && (await readable()))
      readableAt = Date.now();
    const ended = await taskEndedAt(backend);
    return ended !== 'running' && ended !== before ? Date.now() : undefined;
  }, 'the discovery run');
  clearInterval(watch);
  if (readable && !readableAt) {
    readableAt = await until(
      async () => ((await readable()) ? Date.now() : undefined),
      'every entity to be readable',
    );
  }
  const requests = fake.requests.slice(from);
  return {
    wallMs: endedAt - firstAt,
    readableMs: readableAt ? readableAt - firstAt : 0,
    requests,
  };
}

/** An entity provider that applies what it is given in one full mutation: the catalog's floor. */
class FloorProvider implements EntityProvider {
  connection?: EntityProviderConnection;
  getProviderName() {
    return 'bench-floor';
  }
  async connect(connection: EntityProviderConnection) {
    this.connection = connection;
  }
}

function asDeferred(entity: Entity) {
  const { uid: _u, etag: _e, ...metadata } = entity.metadata;
  const clean: Entity = {
    apiVersion: entity.apiVersion,
    kind: entity.kind,
    metadata,
    spec: entity.spec,
  };
  return {
    entity: clean,
    locationKey: metadata.annotations?.['backstage.io/managed-by-location'],
  };
}

/**
 * Both catalogs alike: a static token for the bench, and the catalog's own processing
 * interval (the test fixture's 1 s would have the catalog re-process thousands of entities
 * every second, in this process, while discovery runs), the baseline's stitch poll.
 */
function catalogOptions(
  extra: Partial<CatalogBackendOptions> = {},
): CatalogBackendOptions {
  return {
    externalAccess: [
      { type: 'static', options: { token: TOKEN, subject: 'bench' } },
    ],
    push: {},
    catalog: {
      processingInterval: { minutes: 2 },
      stitchingStrategy: { pollingInterval: { milliseconds: 300 } },
    },
    ...extra,
  };
}

export async function runDiscoveryBench(
  options: DiscoveryBenchOptions = {},
): Promise<DiscoveryBenchResult> {
  const repositories = options.repositories ?? 200;
  const projects = options.projects ?? 4;
  const latencyMs = options.latencyMs ?? 50;
  const fake = await startFakeAzureDevOps({
    organization: 'bench',
    projects: [],
    pats: { [PAT]: { displayName: 'Discovery' } },
  });
  const seeded = seedOrganization(fake.state, { projects, repositories });
  fake.latencyMs = latencyMs;
  const live = seeded.live.length;
  let entities: Entity[] = [];
  const result = {
    repositories,
    projects,
    latencyMs,
    live,
  } as DiscoveryBenchResult;

  const backend = await startCatalogBackend(
    catalogOptions({
      integrations: {
        azure: [
          {
            host: new URL(fake.baseUrl).host,
            credentials: [{ personalAccessToken: PAT }],
          },
        ],
      },
      discovery: {
        organizations: [{ url: fake.orgUrl }],
        catalogPath: ['/catalog-info.yaml', '/.backstage/catalog-info.yaml'],
        schedule: {
          frequency: { trigger: 'manual' },
          timeout: { minutes: 30 },
        },
      },
    }),
  );
  try {
    const allReadable = async () => (await componentCount(backend)) >= live;
    const first = await timedRun(backend, fake, allReadable);
    result.first = {
      wallMs: first.wallMs,
      requests: first.requests.length,
      readableMs: first.readableMs,
    };
    entities = (
      await call(backend, 'GET', '/entities?filter=kind=component')
    ).filter(
      (e: Entity) => e.metadata.annotations?.['stagedoor.io/source-key'],
    );
    result.entities = entities.length;

    const second = await timedRun(backend, fake);
    result.second = {
      wallMs: second.wallMs,
      requests: second.requests.length,
      fileReads: second.requests.filter(r => r.operationId === 'Items_List')
        .length,
    };

    const repo =
      seeded.withRootFile[Math.floor(seeded.withRootFile.length / 2)];
    repo.files.set(
      '/catalog-info.yaml',
      Buffer.from(componentYaml(repo.name, 'bench-changed')),
    );
    const changed = await timedRun(backend, fake, async () => {
      const e = await fetch(
        `${backend.baseUrl}/api/catalog/entities/by-name/component/default/${repo.name}`,
        { headers: { authorization: `Bearer ${TOKEN}` } },
      ).then(r => r.json() as Promise<Entity | undefined>);
      return e?.spec?.owner === 'bench-changed';
    });
    const reads = changed.requests.filter(r => r.operationId === 'Items_List');
    result.changed = {
      wallMs: changed.wallMs,
      requests: changed.requests.length,
      fileReads: reads.length,
      otherReads: reads.filter(r => !r.path.includes(repo.id)).length,
      readableMs: changed.readableMs,
    };
  } finally {
    await backend.stop();
    await fake.close();
  }

  // The floor: the same entities, one full mutation, a fresh catalog.
  const floor = new FloorProvider();
  const floorBackend = await startCatalogBackend(
    catalogOptions({
      features: [
        createBackendModule({
          pluginId: 'catalog',
          moduleId: 'bench-floor',
          register(env) {
            env.registerInit({
              deps: { processing: catalogProcessingExtensionPoint },
              async init({ processing }) {
                processing.addEntityProvider(floor);
              },
            });
          },
        }),
      ],
    }),
  );
  try {
    await until(async () => floor.connection, 'the floor provider to connect');
    const started = Date.now();
    await floor.connection!.applyMutation({
      type: 'full',
      entities: entities.map(asDeferred),
    });
    await until(
      async () =>
        (await componentCount(floorBackend)) >= entities.length
          ? true
          : undefined,
      'the floor entities to be readable',
    );
    result.floorReadableMs = Date.now() - started;
  } finally {
    await floorBackend.stop();
  }
  return result;
}

export function discoveryRows(
  r: DiscoveryBenchResult,
  full: boolean,
): BenchRow[] {
  const size = `${r.repositories} repositories / ${r.projects} projects (${r.live} live, ${r.entities} entities), ${r.latencyMs} ms per request`;
  const judge = (ok: boolean) => (full ? ok : null);
  const ratio = r.first.readableMs / r.floorReadableMs;
  return [
    {
      id: 'P7',
      figure: `first discovery, ${size}: discovery wall time and requests`,
      value: `${seconds(r.first.wallMs)}, ${r.first.requests} requests`,
      target: '≤ 30 s (2,000 repositories)',
      alternative: '–',
      ratio: '–',
      pass: judge(r.first.wallMs <= 30_000),
    },
    {
      id: 'P7',
      figure:
        'first discovery: until every entity is readable (from its first request)',
      value: seconds(r.first.readableMs),
      target: '≤ 1.15 × floor',
      alternative: `floor (same entities, one full mutation): ${seconds(r.floorReadableMs)}`,
      ratio: `${ratio.toFixed(2)} ×`,
      pass: judge(ratio <= 1.15),
    },
    {
      id: 'P7',
      figure: 'second run, nothing changed: requests, file reads, wall time',
      value: `${r.second.requests} requests, ${r.second.fileReads} file reads, ${seconds(r.second.wallMs)}`,
      target: 'no file reads, ≤ 2,100 requests, ≤ 10 s',
      alternative: '–',
      ratio: '–',
      pass: judge(
        r.second.fileReads === 0 &&
          r.second.requests <= 2100 &&
          r.second.wallMs <= 10_000,
      ),
    },
    {
      id: 'P7',
      figure:
        'one repository changed: file reads (of other repositories), until readable',
      value: `${r.changed.fileReads} (${r.changed.otherReads}), ${seconds(r.changed.readableMs)}; run ${seconds(r.changed.wallMs)}, ${r.changed.requests} requests`,
      target: 'only that repository read',
      alternative: '–',
      ratio: '–',
      pass: r.changed.otherReads === 0 && r.changed.fileReads > 0,
    },
  ];
}

if (require.main === module) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : undefined;
  };
  const full = process.argv.includes('--full');
  runDiscoveryBench({
    repositories: arg('--repositories') ?? (full ? 2000 : undefined),
    projects: arg('--projects') ?? (full ? 20 : undefined),
    latencyMs: arg('--latency'),
  })
    .then(r => {
      console.log(JSON.stringify(r, null, 2));
      console.log(renderTable(discoveryRows(r, full)));
    })
    .catch(e => {
      console.error(e);
      process.exitCode = 1;
    })
    // The stopped test backends can leave a catalog timer behind; do not wait for it.
    .finally(() => process.exit());
}
