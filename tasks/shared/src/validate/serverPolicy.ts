import { parsePolicy, type ValidationPolicy } from '@stagedoor/common';
import { z } from 'zod';
import { backstageToken } from '../auth/backstage';
import type { BackstageConnection } from '../auth/types';
import { BackstageHttpClient } from '../backstage';
import type { HttpClient } from '../http';
import type { Reporter } from '../reporter';

const policyResponseSchema = z.object({ policy: z.unknown() });

/**
 * The organisation's policy the catalog module serves (`GET
 * /api/catalog/stagedoor/v1/policy`, from `stagedoor.policy`): the rules the push route
 * enforces. Undefined when Backstage has none. Throws an HttpError when Backstage cannot be
 * asked (the caller falls back to the repository's policy file).
 */
export async function fetchServerPolicy(
  connection: BackstageConnection,
  reporter: Reporter,
  options: { timeoutMs?: number; client?: HttpClient } = {},
): Promise<ValidationPolicy | undefined> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  let client = options.client;
  if (!client) {
    const { token, principal } = await backstageToken(connection, {
      timeoutMs,
    });
    reporter.secret(token);
    client = new BackstageHttpClient({
      baseUrl: connection.url,
      token,
      principal,
      requestTimeoutMs: timeoutMs,
      budgetMs: timeoutMs * 3,
      retry: { maxRetries: 2 },
    });
  }
  const res = await client.request({
    method: 'GET',
    path: '/api/catalog/stagedoor/v1/policy',
    // A catalog without the Stagedoor push module (or an older one) has no policy route.
    accept: [404],
  });
  if (res.status === 404) return undefined;
  const body = policyResponseSchema.parse(res.body);
  if (body.policy === null || body.policy === undefined) return undefined;
  return parsePolicy(body.policy, `the policy of ${connection.url}`);
}
