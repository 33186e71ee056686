/** What went wrong, for callers that branch on it (and for `--format json`). */
export type HttpFailureKind =
  | 'connection'
  | 'dns'
  | 'tls'
  | 'timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'stale'
  | 'invalid'
  | 'not-found'
  | 'status'
  | 'protocol';

/** Base of every error the HTTP client throws; the message says what to fix. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly kind: HttpFailureKind,
    message: string,
    readonly details: {
      method: string;
      url: string;
      status?: number;
      attempts: number;
      /** The parsed response body, when there was one. */
      body?: unknown;
      /** The system error code of a network failure (`ECONNREFUSED`, `ENOTFOUND`, …). */
      code?: string;
    },
  ) {
    super(message);
  }
  get status(): number | undefined {
    return this.details.status;
  }
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
]);

/** Digs the system error code out of undici's `TypeError('fetch failed')` chain. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = errorCode(errors[0]);
      if (inner) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Classifies a network-level failure: which kind, whether a retry may help. */
export function classifyNetworkError(error: unknown): {
  kind: 'connection' | 'dns' | 'tls' | 'timeout';
  code: string;
  retryable: boolean;
} {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError')
    return { kind: 'timeout', code: 'TIMEOUT', retryable: true };
  const code = errorCode(error) ?? 'UNKNOWN';
  if (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_')
  ) {
    return { kind: 'tls', code, retryable: false };
  }
  if (code === 'ENOTFOUND') return { kind: 'dns', code, retryable: false };
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'ETIMEDOUT'
  ) {
    return { kind: 'timeout', code, retryable: true };
  }
  return { kind: 'connection', code, retryable: true };
}
