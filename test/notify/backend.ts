/**
 * The backend of the notify tests (`startCatalogBackend`: the real catalog with the Stagedoor
 * push module) with a static pipeline token, optionally a `jwks` external-access entry (for
 * Entra ID tokens), and a read client.
 */
import type { JsonObject } from '@backstage/types';
import { startCatalogBackend } from '../fixtures/catalogBackend';

export { component } from '../fixtures/entities';
export { eventually } from '../fixtures/eventually';

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
  const backend = await startCatalogBackend({
    externalAccess: [
      { type: 'static', options: { token: TOKEN, subject: 'pipeline' } },
      ...(options.externalAccess ?? []),
    ],
    push: {
      rules: [
        {
          principals: ['pipeline', ...(options.principals ?? [])],
          sources: ['**'],
        },
      ],
    },
    reading: options.reading,
    catalog: options.catalog,
  });
  const { baseUrl } = backend;
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
