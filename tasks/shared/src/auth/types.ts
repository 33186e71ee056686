/**
 * Service connections as plain data. Task entry files read them with
 * azure-pipelines-task-lib and hand these objects to the core; the CLI builds
 * them from flags and environment variables. The core never reads the agent's
 * environment itself.
 */

/** An Azure Resource Manager service connection (or the agent's managed identity). */
export interface AzureRmConnection {
  /** The service connection's id (the endpoint id the task input holds). */
  id: string;
  /**
   * `WorkloadIdentityFederation`, `ServicePrincipal` or `ManagedServiceIdentity`,
   * as the agent reports `ENDPOINT_AUTH_SCHEME_<id>`.
   */
  scheme:
    | 'WorkloadIdentityFederation'
    | 'ServicePrincipal'
    | 'ManagedServiceIdentity';
  tenantId?: string;
  clientId?: string;
  /** Service principal secret (scheme ServicePrincipal, authenticationType spnKey). */
  clientSecret?: string;
  /** PEM certificate with its private key (scheme ServicePrincipal, authenticationType spnCertificate). */
  clientCertificate?: string;
  /** Authority host, e.g. `https://login.microsoftonline.com` (environmentAuthorityUrl). */
  authorityHost?: string;
  /** For workload identity federation: `System.OidcRequestUri` and `System.AccessToken`. */
  oidcRequestUri?: string;
  systemAccessToken?: string;
}

/** A "Backstage" service connection contributed by the Stagedoor extension. */
export interface BackstageConnection {
  /** Backstage base URL, e.g. `https://backstage.contoso.com`. */
  url: string;
  /** `token`: a static service token; `entra`: an access token from an Azure RM connection. */
  auth:
    | { kind: 'token'; token: string }
    | { kind: 'entra'; audience: string; connection: AzureRmConnection };
}
