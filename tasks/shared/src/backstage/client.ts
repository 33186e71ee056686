import type { Problem } from '@stagedoor/common';
import {
  HttpClient,
  HttpError,
  serverMessage,
  type HttpClientOptions,
} from '../http';
import {
  ConflictHttpError,
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

/** The push route's 409/412 (stale push, conflicts) and 400/422 (problems) as typed errors. */
function pushError(error: HttpError, suffix: string): HttpError | undefined {
  const d = error.details;
  const status = d.status ?? 0;
  const body = d.body;
  const said = serverMessage(body);
  const record = (
    typeof body === 'object' && body !== null ? body : {}
  ) as Record<string, unknown>;
  const inner = (record.error ?? {}) as Record<string, unknown>;
  const pick = (key: string): unknown => record[key] ?? inner[key];
  if (status === 409 || status === 412) {
    // The push module says `… older than the last push applied for {key}: {commit} (build …)`.
    const newer =
      pick('newerCommit') ??
      pick('currentCommit') ??
      pick('appliedCommit') ??
      /applied for [^\s:]+: ([0-9a-f]{7,64})/i.exec(said ?? '')?.[1];
    if (
      pick('stale') === true ||
      newer !== undefined ||
      /stale|newer|older/i.test(said ?? '')
    ) {
      return new StalePushError(
        `Backstage already holds a newer push for this source${newer ? ` (commit ${newer})` : ''}; nothing was changed.` +
          suffix,
        d,
        typeof newer === 'string' ? newer : undefined,
      );
    }
    const list = (pick('conflicts') as unknown[] | undefined) ?? [
      {
        entityRef: pick('entityRef'),
        owner: pick('owner') ?? pick('ownedBy') ?? pick('ownerSourceKey'),
      },
    ];
    const conflicts = list.map(c => {
      const x = (c ?? {}) as Record<string, unknown>;
      const owner =
        x.owner ??
        x.ownedBy ??
        x.ownerSourceKey ??
        x.sourceKey ??
        x.locationKey;
      return {
        entityRef: x.entityRef as string | undefined,
        owner: owner as string | undefined,
      };
    });
    const names = conflicts
      .filter(c => c.entityRef || c.owner)
      .map(
        c =>
          `${c.entityRef ?? 'an entity'}${c.owner ? ` (owned by ${c.owner})` : ''}`,
      )
      .join(', ');
    return new ConflictHttpError(
      `Conflict (409): ${names || 'an entity'} already belongs to another source; rename the entity or remove it there first.` +
        suffix,
      d,
      conflicts,
    );
  }
  if (status === 422 || status === 400) {
    const problems = (pick('problems') as Problem[] | undefined) ?? [];
    if (status === 422 || problems.length > 0) {
      return new UnprocessableHttpError(
        `Backstage rejected the files (${status}): ${problems.length} problem(s).` +
          (problems.length ? '' : suffix),
        d,
        problems,
      );
    }
  }
  return undefined;
}
