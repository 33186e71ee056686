import {
  AzurePipelinesCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
} from '@azure/identity';
import type { AzureRmConnection } from './types';

/**
 * Authority hosts whose cloud metadata MSAL ships with. Any other host (a sovereign
 * cloud proxy, Azure Stack, a test endpoint) would make MSAL call the public cloud's
 * instance discovery endpoint, which cannot vouch for it; those hosts are trusted as
 * configured instead, the way `knownAuthorities` works.
 */
const WELL_KNOWN_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.microsoftonline.de',
  'login.windows.net',
  'login.microsoft.com',
  'sts.windows.net',
]);

/** Options shared by every credential built from a connection. */
export function credentialOptions(
  connection: AzureRmConnection,
): TokenCredentialOptions & {
  disableInstanceDiscovery?: boolean;
} {
  if (!connection.authorityHost) return {};
  let url: URL;
  try {
    url = new URL(connection.authorityHost);
  } catch {
    throw new Error(
      `Azure service connection ${connection.id}: environmentAuthorityUrl '${connection.authorityHost}' is not a URL.`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new Error(
      `Azure service connection ${connection.id}: environmentAuthorityUrl must use https (got '${connection.authorityHost}').`,
    );
  }
  const authorityHost = url.origin;
  return WELL_KNOWN_AUTHORITY_HOSTS.has(url.hostname.toLowerCase())
    ? { authorityHost }
    : { authorityHost, disableInstanceDiscovery: true };
}

function required(
  connection: AzureRmConnection,
  field: keyof AzureRmConnection,
  what: string,
): string {
  const value = connection[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(
      `Azure service connection ${connection.id} (${connection.scheme}) has no ${what}; ` +
        'edit the service connection or pick one that is complete.',
    );
  }
  return value.trim();
}

/**
 * A `TokenCredential` for an Azure Resource Manager service connection:
 * workload identity federation through `AzurePipelinesCredential`, a service principal
 * with a secret or a certificate, or the agent's managed identity.
 * `authorityHost` (the connection's `environmentAuthorityUrl`) is honoured.
 */
export function createAzureCredential(
  connection: AzureRmConnection,
): TokenCredential {
  const options = credentialOptions(connection);
  switch (connection.scheme) {
    case 'WorkloadIdentityFederation': {
      const tenantId = required(connection, 'tenantId', 'tenant id');
      const clientId = required(
        connection,
        'clientId',
        'client (service principal) id',
      );
      const accessToken = connection.systemAccessToken;
      if (!accessToken) {
        throw new Error(
          `Azure service connection ${connection.id} uses workload identity federation, which needs ` +
            'System.AccessToken: allow scripts to access the OAuth token (classic) or map ' +
            'System.AccessToken into the step (YAML).',
        );
      }
      return withOidcRequestUri(connection, () => {
        return new AzurePipelinesCredential(
          tenantId,
          clientId,
          connection.id,
          accessToken,
          options,
        );
      });
    }
    case 'ServicePrincipal': {
      const tenantId = required(connection, 'tenantId', 'tenant id');
      const clientId = required(
        connection,
        'clientId',
        'client (service principal) id',
      );
      if (connection.clientCertificate) {
        return new ClientCertificateCredential(
          tenantId,
          clientId,
          { certificate: connection.clientCertificate },
          options,
        );
      }
      if (connection.clientSecret) {
        return new ClientSecretCredential(
          tenantId,
          clientId,
          connection.clientSecret,
          options,
        );
      }
      throw new Error(
        `Azure service connection ${connection.id} is a service principal without a secret or ` +
          'a certificate; add one to the service connection or use workload identity federation.',
      );
    }
    case 'ManagedServiceIdentity':
      return new ManagedIdentityCredential(
        connection.clientId
          ? { ...options, clientId: connection.clientId }
          : options,
      );
    default:
      throw new Error(
        `Azure service connection ${connection.id} has authentication scheme '${String(
          (connection as { scheme: unknown }).scheme,
        )}'; supported: WorkloadIdentityFederation, ServicePrincipal, ManagedServiceIdentity.`,
      );
  }
}

/**
 * `AzurePipelinesCredential` reads `SYSTEM_OIDCREQUESTURI` from the environment in its
 * constructor and nowhere else. The core receives the value as plain data, so it is put
 * in place only for the duration of that synchronous call.
 */
function withOidcRequestUri<T>(
  connection: AzureRmConnection,
  build: () => T,
): T {
  const uri = connection.oidcRequestUri ?? process.env.SYSTEM_OIDCREQUESTURI;
  if (!uri) {
    throw new Error(
      `Azure service connection ${connection.id} uses workload identity federation, which needs ` +
        'System.OidcRequestUri; it is only set inside an Azure Pipelines job.',
    );
  }
  const previous = process.env.SYSTEM_OIDCREQUESTURI;
  process.env.SYSTEM_OIDCREQUESTURI = uri;
  try {
    return build();
  } finally {
    if (previous === undefined) delete process.env.SYSTEM_OIDCREQUESTURI;
    else process.env.SYSTEM_OIDCREQUESTURI = previous;
  }
}
