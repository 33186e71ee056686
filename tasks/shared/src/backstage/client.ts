import {
  parsePushErrorBody,
  type Problem,
  type PushErrorData,
} from '@stagedoor/common';
import {
  HttpClient,
  HttpError,
  serverMessage,
  type HttpClientOptions,
} from '../http';
import {
  ConflictHttpError,
  PushApiError,
  StalePushError,
  UnprocessableHttpError,
} from './errors';

/**
 * The transport for calls to Backstage: the core's {@link HttpClient} whose errors say
 * what to fix in Backstage (its URL, `backend.auth.externalAccess`, the permission policy,
 * the Stagedoor catalog module) and read the push route's error answers.
 */
export class BackstageHttpClient extends HttpClient {
  constructor(options: Omit<HttpClientOptions, 'explain'>) {
    assertBackstageUrl(options.baseUrl);
    super({ ...options, explain: explainBackstageError(options.principal) });
  }
}

function assertBackstageUrl(baseUrl: string): void {
  try {
    new URL(baseUrl);
  } catch {
    throw new Error(
      `'${baseUrl}' is not a URL; give the Backstage base URL, e.g. https://backstage.contoso.com`,
    );
  }
}

/** The Backstage advice for a failure of the transport; other failures pass unchanged. */
export function explainBackstageError(
  principal = 'no token',
): (error: HttpError) => HttpError {
  return error => {
    const d = error.details;
    const origin = new URL(d.url).origin;
    const said = serverMessage(d.body);
    const suffix = said ? ` The server said: ${said}` : '';
    if (d.status !== undefined && d.status >= 400 && d.status < 500) {
      const typed = pushError(error, suffix);
      if (typed) return typed;
    }
    switch (error.kind) {
      case 'dns':
        return new HttpError(
          'dns',
          `The host of ${origin} does not resolve (${d.code}): check the Backstage URL.`,
          d,
        );
      case 'tls':
        return new HttpError(
          'tls',
          `The TLS certificate of ${origin} is not trusted (${d.code}). If Backstage uses a private CA, ` +
            'put the CA certificate on the agent and point NODE_EXTRA_CA_CERTS at it; check that the URL host matches the certificate.',
          d,
        );
      case 'connection':
        return new HttpError(
          'connection',
          `Could not connect to ${origin} (${d.code}): check the Backstage URL in the service connection ` +
            'and that the backend is running and reachable from the agent.',
          d,
        );
      case 'unauthorized':
        return new HttpError(
          'unauthorized',
          `Backstage rejected the credentials (401) of ${principal}. Add the token under backend.auth.externalAccess ` +
            '(type static, or type jwks with the Entra issuer, audience and JWKS URL for Entra ID tokens).' +
            suffix,
          d,
        );
      case 'forbidden':
        return new HttpError(
          'forbidden',
          `Backstage refused the request (403) for ${principal}. Allow that principal in the external access entry's ` +
            "accessRestrictions (plugin 'catalog') and in the permission policy." +
            suffix,
          d,
        );
      case 'protocol':
        return new HttpError(
          'protocol',
          `${error.message} Is the URL the Backstage backend, with the Stagedoor catalog module installed?`,
          d,
        );
      default:
        return error;
    }
  };
}

/**
 * The push API's error answers as typed errors, read from the body the route writes
 * (`parsePushErrorBody`): stale push, ownership conflicts, invalid files, and the refusals
 * (branch, push rule, kinds, size, rate). An answer without a typed body (an older push
 * module, a proxy) keeps the transport's error, except that a 409 stays a conflict and
 * a 422 (or a 400 listing `problems`) stays invalid files.
 */
function pushError(error: HttpError, suffix: string): HttpError | undefined {
  const d = error.details;
  const data = parsePushErrorBody(d.body)?.error;
  if (data) return typedPushError(data, error.kind, d, suffix);
  const status = d.status;
  if (status === 409) {
    return new ConflictHttpError(
      `Conflict (409): the push conflicts with what the catalog holds.` +
        suffix,
      d,
      [],
    );
  }
  const problems = legacyProblems(d.body);
  if (status === 422 || (status === 400 && problems.length > 0)) {
    return new UnprocessableHttpError(
      `Backstage rejected the files (${status}): ${problems.length} problem(s).` +
        (problems.length ? '' : suffix),
      d,
      problems,
    );
  }
  return undefined;
}

function typedPushError(
  data: PushErrorData,
  kind: HttpError['kind'],
  d: HttpError['details'],
  suffix: string,
): HttpError {
  switch (data.code) {
    case 'stale-push':
      return new StalePushError(
        `Backstage already holds a newer push for this source (commit ${data.applied.commit}` +
          `${data.applied.buildId !== null ? `, build ${data.applied.buildId}` : ''}); nothing was changed.` +
          suffix,
        d,
        data.applied.commit,
        data,
      );
    case 'ownership-conflict': {
      const names = data.conflicts
        .map(
          c =>
            `${c.entityRef}${c.owner ? ` (owned by ${c.ownerType === 'location' ? 'location ' : ''}${c.owner})` : ''}`,
        )
        .join(', ');
      return new ConflictHttpError(
        `Conflict (409): ${names || 'an entity'} already belongs to another source; rename the entity or remove it there first.` +
          suffix,
        d,
        data.conflicts,
        data,
      );
    }
    case 'invalid-files':
      return new UnprocessableHttpError(
        `Backstage rejected the files (${d.status}): ${data.problems.length} problem(s).`,
        d,
        data.problems,
        data,
      );
    case 'branch-refused':
      return new PushApiError(
        kind,
        `Backstage refused the push from branch '${data.branch}': ${data.repository} is pushed from '${data.expectedBranch}' ` +
          (data.reason === 'configured'
            ? '(its push rule names that branch in stagedoor.push.rules[].branch).'
            : '(its entities come from that branch already).') +
          suffix,
        d,
        data,
      );
    case 'source-not-allowed':
      return new PushApiError(
        kind,
        `Backstage refused the push (403): no push rule in stagedoor.push.rules lets ${data.subject} push ${data.repository}.` +
          suffix,
        d,
        data,
      );
    case 'kinds-not-allowed':
      return new PushApiError(
        kind,
        `Backstage refused the push (403): its push rule does not allow the kind(s) ${data.kinds.join(', ')}.` +
          suffix,
        d,
        data,
      );
    case 'payload-too-large':
      return new PushApiError(
        kind,
        `The push is too large (413): ${data.actual !== undefined ? `${data.actual} ${data.unit}, ` : ''}` +
          `more than the limit of ${data.limit} ${data.unit} (${data.setting}).` +
          suffix,
        d,
        data,
      );
    case 'rate-limited':
      return new PushApiError(
        kind,
        `Backstage limits pushes to ${data.requestsPerMinute} requests per minute (stagedoor.push.rateLimit); ` +
          `try again in ${data.retryAfterSeconds} s.` +
          suffix,
        d,
        data,
      );
  }
}

/** `problems` beside (or in) the error of an untyped body, as push modules before the typed bodies wrote it. */
function legacyProblems(body: unknown): Problem[] {
  const record = (
    typeof body === 'object' && body !== null ? body : {}
  ) as Record<string, unknown>;
  const inner = (record.error ?? {}) as Record<string, unknown>;
  const problems = record.problems ?? inner.problems;
  return Array.isArray(problems) ? (problems as Problem[]) : [];
}
