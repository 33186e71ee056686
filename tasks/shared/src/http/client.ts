import type { z } from 'zod';
import { HttpError, classifyNetworkError } from './errors';
import {
  DEFAULT_RETRY_POLICY,
  RetryPolicy,
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
} from './retry';
import { sleep } from './sleep';

/** How to build an {@link HttpClient}. */
export interface HttpClientOptions {
  /** Base URL; request paths are appended to it (`https://backstage.contoso.com`). */
  baseUrl: string;
  /** Bearer token sent as `Authorization`. */
  token?: string;
  /** A whole `Authorization` header value (e.g. `Basic …` for an Azure DevOps PAT); wins over `token`. */
  authorization?: string;
  /** Who the token speaks for, quoted in 401/403 messages. */
  principal?: string;
  /**
   * Turns a failure into one that says what to fix at the server being called (the
   * Backstage layer adds its configuration hints and reads the push route's error bodies).
   * Applied to every error the client throws; returns the error itself when it has nothing to add.
   */
  explain?: (error: HttpError) => HttpError;
  /** One attempt may take this long. Default 30 s. */
  requestTimeoutMs?: number;
  /** All attempts and waits of one request together may take this long. Default 120 s. */
  budgetMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Called before each retry, e.g. to log "503, retrying in 2 s". */
  onRetry?: (info: {
    attempt: number;
    delayMs: number;
    reason: string;
    url: string;
  }) => void;
  /** For tests: the randomness of the jitter. */
  random?: () => number;
  userAgent?: string;
}

/** One request. */
export interface HttpRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the base URL, starting with `/`. */
  path: string;
  query?: Record<string, string | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Validates a 2xx JSON answer; a mismatch is a `protocol` error. */
  schema?: z.ZodType<T>;
  /** Statuses that are answers, not errors (e.g. 404 when asking whether something exists). */
  accept?: number[];
}

export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: Headers;
  attempts: number;
}

/**
 * The core's one HTTP transport, a small fetch-based JSON client: a timeout per attempt,
 * a total time budget, bounded retries with exponential backoff and jitter on connection
 * errors, 408, 429 and 5xx (honouring `Retry-After`), no retry on other 4xx, and typed
 * errors. It knows nothing of the server it calls: advice about Backstage (or Azure DevOps)
 * comes from `explain` or from the caller.
 */
export class HttpClient {
  private readonly baseUrl: string;
  private readonly policy: RetryPolicy;

  constructor(private readonly options: HttpClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(
        `'${options.baseUrl}' is not a URL; give the server's base URL, e.g. https://backstage.contoso.com`,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`'${options.baseUrl}' must be an http(s) URL`);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /** Sends `request`, retrying what may be retried, and returns the parsed answer. */
  async request<T = unknown>(
    request: HttpRequest<T>,
  ): Promise<HttpResponse<T>> {
    const url = new URL(this.baseUrl + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const requestTimeoutMs = this.options.requestTimeoutMs ?? 30_000;
    const deadline = Date.now() + (this.options.budgetMs ?? 120_000);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent ?? 'stagedoor',
    };
    if (this.options.token)
      headers.authorization = `Bearer ${this.options.token}`;
    if (this.options.authorization)
      headers.authorization = this.options.authorization;
    if (request.body !== undefined)
      headers['content-type'] = 'application/json';
    const payload =
      request.body === undefined ? undefined : JSON.stringify(request.body);
    const where = { method: request.method, url: url.toString() };

    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      const attempts = attempt + 1;
      let retryReason: string;
      let retryAfterMs: number | undefined;
      let lastError: HttpError;
      try {
        const response = await fetch(url, {
          method: request.method,
          headers,
          body: payload,
          redirect: 'manual',
          signal: AbortSignal.timeout(
            Math.max(1, Math.min(requestTimeoutMs, remaining)),
          ),
        });
        const body = await readBody(response);
        if (
          (response.status >= 200 && response.status < 300) ||
          request.accept?.includes(response.status)
        ) {
          return {
            status: response.status,
            body: this.check(request, body, response.status, attempts),
            headers: response.headers,
            attempts,
          };
        }
        lastError = this.explain(
          statusError(
            response.status,
            body,
            {
              ...where,
              attempts,
            },
            this.options.principal,
          ),
        );
        if (!isRetryableStatus(response.status)) throw lastError;
        retryReason = `HTTP ${response.status}`;
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      } catch (error) {
        if (error instanceof HttpError) throw error;
        const failure = classifyNetworkError(error);
        lastError = this.explain(
          networkError(
            failure,
            { ...where, attempts },
            Math.min(requestTimeoutMs, remaining),
          ),
        );
        if (!failure.retryable) throw lastError;
        retryReason = failure.kind === 'timeout' ? 'timeout' : failure.code;
      }
      if (attempt >= this.policy.maxRetries) throw lastError;
      const delayMs =
        retryAfterMs ?? backoffDelay(attempt, this.policy, this.options.random);
      const left = deadline - Date.now();
      // Waiting past the budget cannot succeed; fail now with the last answer.
      if (delayMs >= left) {
        lastError.message +=
          retryAfterMs !== undefined
            ? ` The server asked to retry after ${Math.ceil(retryAfterMs / 1000)} s, beyond the time budget.`
            : ' Gave up: the time budget is spent.';
        throw lastError;
      }
      this.options.onRetry?.({
        attempt: attempts,
        delayMs,
        reason: retryReason,
        url: url.toString(),
      });
      await sleep(delayMs);
    }
  }

  private check<T>(
    request: HttpRequest<T>,
    body: unknown,
    status: number,
    attempts: number,
  ): T {
    if (!request.schema || status >= 300) return body as T;
    const parsed = request.schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw this.explain(
      new HttpError(
        'protocol',
        `${request.method} ${request.path} answered ${status} with an unexpected body ` +
          `(${parsed.error.issues
            .slice(0, 3)
            .map(i => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}).`,
        {
          method: request.method,
          url: this.baseUrl + request.path,
          status,
          attempts,
          body,
        },
      ),
    );
  }

  private explain(error: HttpError): HttpError {
    return this.options.explain?.(error) ?? error;
  }
}

/** Where a request failed, as the errors carry it. */
type Where = { method: string; url: string; attempts: number };

/** A network-level failure as an error; `timeoutMs` is the attempt's timeout. */
function networkError(
  failure: ReturnType<typeof classifyNetworkError>,
  details: Where,
  timeoutMs: number,
): HttpError {
  const origin = new URL(details.url).origin;
  const d = { ...details, code: failure.code };
  switch (failure.kind) {
    case 'dns':
      return new HttpError(
        'dns',
        `The host of ${origin} does not resolve (${failure.code}): check the URL.`,
        d,
      );
    case 'tls':
      return new HttpError(
        'tls',
        `The TLS certificate of ${origin} is not trusted (${failure.code}). If the server uses a private CA, ` +
          'put the CA certificate on the agent and point NODE_EXTRA_CA_CERTS at it; check that the URL host matches the certificate.',
        d,
      );
    case 'timeout':
      return new HttpError(
        'timeout',
        `${details.method} ${details.url} did not answer within ${Math.round(timeoutMs / 1000)} s (attempt ${details.attempts}).`,
        d,
      );
    default:
      return new HttpError(
        'connection',
        `Could not connect to ${origin} (${failure.code}): check the URL and that the server is reachable.`,
        d,
      );
  }
}

/** A non-2xx answer as an error, quoting what the server said. */
function statusError(
  status: number,
  body: unknown,
  details: Where,
  principal = 'no token',
): HttpError {
  const d = { ...details, status, body };
  const said = serverMessage(body);
  const suffix = said ? ` The server said: ${said}` : '';
  const path = new URL(details.url).pathname;
  switch (status) {
    case 401:
      return new HttpError(
        'unauthorized',
        `${details.method} ${path} rejected the credentials (401) of ${principal}.` +
          suffix,
        d,
      );
    case 403:
      return new HttpError(
        'forbidden',
        `${details.method} ${path} was refused (403) for ${principal}.` +
          suffix,
        d,
      );
    case 404:
      return new HttpError(
        'not-found',
        `${details.method} ${path} answered 404.` + suffix,
        d,
      );
    default:
      return new HttpError(
        'status',
        `${details.method} ${details.url} answered ${status}.` + suffix,
        d,
      );
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The message of a Backstage error body (`{ error: { name, message } }`) or a plain text body. */
export function serverMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 300);
  const error = (body as { error?: { message?: unknown } } | undefined)?.error;
  if (error && typeof error.message === 'string') return error.message;
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
