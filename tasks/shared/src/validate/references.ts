import { z } from 'zod';
import { backstageToken } from '../auth/backstage';
import type { BackstageConnection } from '../auth/types';
import { BackstageHttpClient } from '../backstage';
import type { HttpClient } from '../http';
import type { Reporter } from '../reporter';

/** Refs per `by-refs` call: big enough to need few calls, small enough for any proxy's body limit. */
const BATCH = 500;

const byRefsSchema = z.object({
  items: z.array(
    z.union([
      z.null(),
      z
        .object({
          kind: z.string(),
          metadata: z.object({
            name: z.string(),
            namespace: z.string().optional(),
          }),
        })
        .passthrough(),
    ]),
  ),
});

export interface LookupOptions {
  /** One request may take this long. Default 20 s. */
  timeoutMs?: number;
  /** Tests pass a client; otherwise one is built from the connection. */
  client?: HttpClient;
}

/**
 * Asks the live catalog which of `refs` exist, with `POST /api/catalog/entities/by-refs`
 * in batches, asking only for the fields that make a ref. Returns the refs that exist,
 * lower-cased. Throws an HttpError (with a message that says what to fix) when Backstage
 * cannot be asked.
 */
export async function findExistingRefs(
  connection: BackstageConnection,
  refs: readonly string[],
  reporter: Reporter,
  options: LookupOptions = {},
): Promise<Set<string>> {
  const found = new Set<string>();
  if (refs.length === 0) return found;
  let client = options.client;
  if (!client) {
    const { token, principal } = await backstageToken(connection, {
      timeoutMs: options.timeoutMs ?? 20_000,
    });
    reporter.secret(token);
    client = new BackstageHttpClient({
      baseUrl: connection.url,
      token,
      principal,
      requestTimeoutMs: options.timeoutMs ?? 20_000,
      budgetMs: (options.timeoutMs ?? 20_000) * 3,
      retry: { maxRetries: 2 },
      onRetry: info =>
        reporter.debug(
          `by-refs: ${info.reason}, retrying in ${info.delayMs} ms`,
        ),
    });
  }
  for (let i = 0; i < refs.length; i += BATCH) {
    const batch = refs.slice(i, i + BATCH);
    const res = await client.request({
      method: 'POST',
      path: '/api/catalog/entities/by-refs',
      body: {
        entityRefs: batch,
        fields: ['kind', 'metadata.namespace', 'metadata.name'],
      },
      schema: byRefsSchema,
    });
    res.body.items.forEach((item, j) => {
      if (item) found.add(batch[j].toLowerCase());
    });
  }
  return found;
}
