/** How the client retries; every field has a default. */
export interface RetryPolicy {
  /** Attempts after the first one. Default 4. */
  maxRetries: number;
  /** First backoff delay. Default 500 ms. */
  baseDelayMs: number;
  /** Cap on one backoff delay (not on Retry-After). Default 15 s. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
};

/** Statuses a retry may fix: timeouts, throttling, server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so
 * parallel pipelines that failed together do not come back together.
 * `attempt` is 0 for the first retry.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** attempt,
  );
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/**
 * `Retry-After` in milliseconds: either delta-seconds or an HTTP date.
 * Undefined when absent or unreadable; 0 for a date in the past.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
