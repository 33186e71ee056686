import { azureDevOpsError, messageOf } from './errors';
import { sleep } from './sleep';

/** Options of {@link requestJson}. */
export interface RequestOptions {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /** Attempts for idempotent reads on 5xx/network errors (default 3). */
  attempts?: number;
}

/**
 * One JSON call with an absolute URL, for the Azure DevOps APIs
 * azure-devops-node-api has no client for (pipeline permissions, service
 * endpoints). Every call has a timeout; only GETs are retried, a bounded number
 * of times, because a repeated write could create twice.
 */
export async function requestJson<T>(options: RequestOptions): Promise<T> {
  const attempts = options.method === 'GET' ? (options.attempts ?? 3) : 1;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let res: Response;
    try {
      res = await fetch(options.url, {
        method: options.method,
        headers: {
          accept: 'application/json',
          ...(options.body !== undefined
            ? { 'content-type': 'application/json' }
            : {}),
          ...options.headers,
        },
        body:
          options.body !== undefined ? JSON.stringify(options.body) : undefined,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (e) {
      lastError = new Error(
        `Could not reach Azure DevOps for ${options.method} ${options.url.split('?')[0]}: ${
          (e as Error).name === 'TimeoutError'
            ? `no answer within ${options.timeoutMs} ms`
            : String((e as any).cause?.code ?? (e as Error).message)
        } — check the organization URL and that the Backstage backend can reach it.`,
      );
      if (attempt < attempts) await sleep(250 * attempt);
      continue;
    }
    const raw = await res.text();
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    if (res.ok) return body as T;
    lastError = azureDevOpsError({
      status: res.status,
      message: messageOf(body, raw),
      method: options.method,
      url: options.url,
    });
    if (res.status < 500 || attempt === attempts) break;
    await sleep(250 * attempt);
  }
  throw lastError;
}
