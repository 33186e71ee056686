import type { BackstageConnection } from './types';
import { createAzureCredential } from './azure';

/** A bearer token for Backstage and a description of who it speaks for. */
export interface BackstageToken {
  token: string;
  /**
   * The principal, for error messages about 401/403: e.g. `a static token` or
   * `Entra application 1111… (object id …) in tenant …, audience api://backstage`.
   */
  principal: string;
}

export interface BackstageTokenOptions {
  /** Give up on Entra ID after this long. Default 60 s. */
  timeoutMs?: number;
}

/** `api://backstage` → `api://backstage/.default`; a scope given in full is kept. */
export function scopeForAudience(audience: string): string {
  const trimmed = audience.trim().replace(/\/+$/, '');
  return trimmed.endsWith('/.default') ? trimmed : `${trimmed}/.default`;
}

/** Reads the claims of a JWT without verifying it (only to name the principal). */
export function unverifiedClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) return {};
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

/**
 * The bearer token to call Backstage with: the connection's static token, or an
 * Entra ID access token for `${audience}/.default` obtained with the Azure RM connection.
 */
export async function backstageToken(
  connection: BackstageConnection,
  options: BackstageTokenOptions = {},
): Promise<BackstageToken> {
  const auth = connection.auth;
  if (auth.kind === 'token') {
    if (!auth.token) {
      throw new Error(
        'The Backstage service connection has no token: set it to a token listed under ' +
          'backend.auth.externalAccess (type static) in the Backstage configuration.',
      );
    }
    return {
      token: auth.token,
      principal: 'the static token of the Backstage service connection',
    };
  }
  if (!auth.audience?.trim()) {
    throw new Error(
      'The Backstage service connection uses Microsoft Entra ID but has no audience: set it to ' +
        "the Backstage app registration's Application ID URI (e.g. api://backstage).",
    );
  }
  const credential = createAzureCredential(auth.connection);
  const scope = scopeForAudience(auth.audience);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let accessToken;
  try {
    accessToken = await credential.getToken(scope, {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Could not get a Microsoft Entra ID token for ${scope} with Azure service connection ` +
        `${auth.connection.id} (${auth.connection.scheme}, client ${auth.connection.clientId ?? 'managed identity'}, ` +
        `tenant ${auth.connection.tenantId ?? 'default'}): ${reason}`,
    );
  }
  if (!accessToken?.token) {
    throw new Error(`Microsoft Entra ID returned no token for ${scope}.`);
  }
  const claims = unverifiedClaims(accessToken.token);
  const who =
    claims.appid ??
    claims.azp ??
    auth.connection.clientId ??
    'managed identity';
  const oid = claims.oid ?? claims.sub;
  return {
    token: accessToken.token,
    principal:
      `Entra application ${String(who)}${oid ? ` (object id ${String(oid)})` : ''} in tenant ` +
      `${String(claims.tid ?? auth.connection.tenantId ?? 'unknown')}, token audience ` +
      `${String(claims.aud ?? auth.audience)}`,
  };
}
