/**
 * A real Backstage backend for the push module's tests and benchmark: the catalog
 * plugin, the Stagedoor push module, and the framework's real auth, httpAuth,
 * httpRouter, database, URL reader and events service (static externalAccess tokens
 * from config).
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { JsonObject } from '@backstage/types';
import type { PushRequest } from '@stagedoor/common';
import {
  type CatalogBackendOptions,
  startCatalogBackend,
} from '../fixtures/catalogBackend';
import {
  dropDatabases,
  postgresDatabaseConfig,
  requirePostgres,
  uniquePrefix,
} from '../fixtures/postgres';
import { eventually } from '../fixtures/eventually';
import { ORG_POLICY } from '../fixtures/orgPolicy';

export { component } from '../fixtures/entities';
export { eventually };

export const PUSH_TOKEN = 'stagedoor-test-push-token';
export const LIMITED_TOKEN = 'stagedoor-test-limited-token';

export interface PushBackend {
  baseUrl: string;
  stop(): Promise<void>;
  /** POST /api/catalog/stagedoor/v1/push; `body` is sent as is when it is a string. */
  push(
    body: unknown,
    options?: { token?: string | null; dryRun?: boolean },
  ): Promise<{ status: number; body: any }>;
  /** GET below /api/catalog with the push token. */
  get(path: string, token?: string): Promise<{ status: number; body: any }>;
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
}

export interface PushBackendOptions {
  /** `backend.database`; default in-memory SQLite. */
  database?: Record<string, unknown>;
  /** Hosts the URL reader may read (for `url` locations served from loopback). */
  readingAllow?: string[];
  /** Merged over `stagedoor.push`. */
  push?: Record<string, unknown>;
  /** Merged over `catalog`. */
  catalog?: Record<string, unknown>;
  /** `stagedoor.discovery` (off when absent). */
  discovery?: Record<string, unknown>;
  /** `stagedoor.hooks` (off when absent). */
  hooks?: Record<string, unknown>;
  /** `stagedoor.policy` (none when absent). */
  policy?: Record<string, unknown>;
  /** `integrations`. */
  integrations?: Record<string, unknown>;
  /** More features (e.g. a recording root logger for audit events). */
  features?: CatalogBackendOptions['features'];
}

/** Starts a backend with the catalog and the push module on a free port. */
export async function startPushBackend(
  options: PushBackendOptions = {},
): Promise<PushBackend> {
  const backend = await startCatalogBackend({
    externalAccess: [
      { type: 'static', options: { token: PUSH_TOKEN, subject: 'pipeline' } },
      {
        type: 'static',
        options: { token: LIMITED_TOKEN, subject: 'limited' },
      },
    ],
    push: {
      maxBodyBytes: 200_000,
      rules: [
        {
          principals: ['pipeline'],
          sources: ['**'],
          maxEntities: 50,
          maxBytes: 100_000,
        },
        { principals: ['limited'], sources: ['contoso/limited/*'] },
      ],
      ...(options.push as JsonObject | undefined),
    },
    database: options.database as JsonObject | undefined,
    reading: options.readingAllow,
    catalog: options.catalog as JsonObject | undefined,
    discovery: options.discovery as JsonObject | undefined,
    hooks: options.hooks as JsonObject | undefined,
    policy: options.policy as JsonObject | undefined,
    integrations: options.integrations as JsonObject | undefined,
    features: options.features,
  });
  const { baseUrl } = backend;
  const call = async (
    method: string,
    path: string,
    body: unknown,
    token: string | null,
  ) => {
    const res = await fetch(`${baseUrl}/api/catalog${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body:
        body === undefined
          ? undefined
          : typeof body === 'string'
            ? body
            : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as any };
  };
  return {
    baseUrl,
    stop: () => backend.stop(),
    push: (body, o = {}) =>
      call(
        'POST',
        `/stagedoor/v1/push${o.dryRun ? '?dryRun=true' : ''}`,
        body,
        o.token === undefined ? PUSH_TOKEN : o.token,
      ),
    get: (path, token = PUSH_TOKEN) => call('GET', path, undefined, token),
    post: (path, body) => call('POST', path, body, PUSH_TOKEN),
  };
}

/**
 * Registers mocha hooks that start `count` replicas of the push backend on one fresh
 * PostgreSQL database, the way Backstage scales out (the suite is skipped with a message
 * without STAGEDOOR_TEST_POSTGRES), and drop the database afterwards. The returned array
 * fills in `before`.
 */
export function postgresReplicas(count: number): PushBackend[] {
  let url: string | undefined;
  const prefix = uniquePrefix();
  const replicas: PushBackend[] = [];
  before(async function () {
    url = requirePostgres(this);
    const database = postgresDatabaseConfig(url, prefix);
    // One after the other: the first creates the databases and runs the migrations.
    for (let i = 0; i < count; i++)
      replicas.push(await startPushBackend({ database }));
  });
  after(async () => {
    for (const r of replicas) await r.stop();
    if (url) await dropDatabases(url, prefix);
  });
  return replicas;
}

let buildCounter = 1000;

/** A push body for `repo` in project `project` of organization contoso. */
export function pushBody(
  repo: string,
  files: Record<string, string>,
  source: Partial<PushRequest['source']> = {},
): PushRequest {
  const buildId = source.buildId ?? ++buildCounter;
  return {
    source: {
      organizationUrl: 'https://dev.azure.com/contoso',
      project: 'shop',
      repositoryName: repo,
      repositoryId: '7b8f7e8c-0000-4000-8000-000000000001',
      branch: 'refs/heads/main',
      commit: buildId.toString(16).padStart(40, 'a'),
      buildId,
      buildUrl: `https://dev.azure.com/contoso/shop/_build/results?buildId=${buildId}`,
      ...source,
    },
    files: Object.entries(files).map(([path, content]) => ({ path, content })),
  };
}

/** The entity from the catalog's public API once `predicate` holds for it. */
export async function entityWhen(
  backend: PushBackend,
  name: string,
  predicate: (entity: any | undefined) => boolean,
  what = `component:${name}`,
  timeoutMs = 30_000,
): Promise<any> {
  return eventually(
    async () => {
      const res = await backend.get(
        `/entities/by-name/component/default/${name}`,
      );
      const entity = res.status === 200 ? res.body : undefined;
      return predicate(entity) ? (entity ?? null) : undefined;
    },
    what,
    timeoutMs,
  );
}

/** Serves files over loopback HTTP, for `url` locations. */
export async function serveFiles(
  files: Map<string, string>,
): Promise<{ baseUrl: string; host: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const body = files.get(decodeURIComponent((req.url ?? '/').split('?')[0]));
    res.writeHead(body === undefined ? 404 : 200, {
      'content-type': 'text/yaml',
    });
    res.end(body ?? 'not found');
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    close: () => new Promise(r => server.close(() => r())),
  };
}

/**
 * A push backend that enforces {@link ORG_POLICY} (the `pipeline` principal may push any
 * kind from contoso/shop/org, the allowed kinds elsewhere), with the group team-live pushed
 * from contoso/shop/org and readable.
 */
export async function startOrgPolicyBackend(): Promise<PushBackend> {
  const backend = await startPushBackend({
    policy: ORG_POLICY as Record<string, unknown>,
    push: {
      rules: [
        {
          principals: ['pipeline'],
          sources: ['contoso/shop/org'],
          kinds: ['*'],
        },
        { principals: ['pipeline'], sources: ['**'] },
      ],
    },
  });
  const org = await backend.push(
    pushBody('org', {
      'groups.yaml':
        'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-live\nspec:\n  type: team\n  children: []\n',
    }),
  );
  assert.equal(org.status, 200, JSON.stringify(org.body));
  await eventually(async () => {
    const res = await backend.get('/entities/by-name/group/default/team-live');
    return res.status === 200 ? true : undefined;
  }, 'group:team-live in the catalog');
  return backend;
}
