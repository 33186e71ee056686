/**
 * A real Backstage backend for the notify tests: the catalog plugin with the Stagedoor
 * push module, the framework's real auth/httpAuth/httpRouter, static tokens and
 * optionally a `jwks` external-access entry (for Entra ID tokens).
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/types';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import pushModule from '@stagedoor/plugin-catalog-backend-module-push';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import { urlReaderServiceFactory } from '@backstage/backend-defaults/urlReader';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';

export const TOKEN = 'stagedoor-notify-test-token';

export interface NotifyBackend {
  baseUrl: string;
  /** GET below /api/catalog; undefined body on 404. */
  get(path: string): Promise<{ status: number; body: any }>;
  entity(ref: string): Promise<any | undefined>;
  stop(): Promise<void>;
}

export interface NotifyBackendOptions {
  /** Extra `backend.auth.externalAccess` entries. */
  externalAccess?: JsonObject[];
  /** Extra push principals allowed by the push rules. */
  principals?: string[];
  /** Merged over `catalog`. */
  catalog?: JsonObject;
  /** Hosts the URL reader may read (`backend.reading.allow`). */
  reading?: string[];
}

export async function startNotifyBackend(
  options: NotifyBackendOptions = {},
): Promise<NotifyBackend> {
  const data: JsonObject = {
    backend: {
      baseUrl: 'http://localhost:0',
      reading: { allow: (options.reading ?? []).map(host => ({ host })) },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      auth: {
        externalAccess: [
          { type: 'static', options: { token: TOKEN, subject: 'pipeline' } },
          ...(options.externalAccess ?? []),
        ],
      },
    },
    // The events service's in-process bus only: no events backend is installed.
    events: { useEventBus: 'never' },
    catalog: {
      rules: [
        {
          allow: [
            'Component',
            'System',
            'API',
            'Resource',
            'Location',
            'Domain',
            'Group',
            'User',
          ],
        },
      ],
      processingInterval: { seconds: 1 },
      stitchingStrategy: { pollingInterval: { milliseconds: 100 } },
      ...options.catalog,
    },
    stagedoor: {
      push: {
        rules: [
          {
            principals: ['pipeline', ...(options.principals ?? [])],
            sources: ['**'],
          },
        ],
      },
    },
  };
  const backend = await startTestBackend({
    features: [
      mockServices.rootConfig.factory({ data }),
      authServiceFactory,
      httpAuthServiceFactory,
      httpRouterServiceFactory,
      urlReaderServiceFactory,
      schedulerServiceFactory,
      eventsServiceFactory,
      catalogPlugin,
      pushModule,
    ],
  });
  const baseUrl = `http://localhost:${backend.server.port()}`;
  const get = async (path: string) => {
    const res = await fetch(`${baseUrl}/api/catalog${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    baseUrl,
    get,
    async entity(ref) {
      const m = /^([^:]+):(?:([^/]+)\/)?(.+)$/.exec(ref)!;
      const res = await get(
        `/entities/by-name/${m[1]}/${m[2] ?? 'default'}/${m[3]}`,
      );
      return res.status === 200 ? res.body : undefined;
    },
    stop: () => backend.stop(),
  };
}

/** Polls `check` until it returns something other than undefined. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** One Component document. */
export function component(
  name: string,
  extra: { description?: string; owner?: string } = {},
): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Component',
    'metadata:',
    `  name: ${name}`,
    `  description: ${JSON.stringify(extra.description ?? `The ${name} service`)}`,
    'spec:',
    '  type: service',
    '  lifecycle: production',
    `  owner: ${extra.owner ?? 'team-a'}`,
    '',
  ].join('\n');
}
