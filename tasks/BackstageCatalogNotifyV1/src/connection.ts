/**
 * Reads the Backstage service connection (and the Azure RM connection it may name)
 * with azure-pipelines-task-lib into the plain types of the core.
 */
import * as tl from 'azure-pipelines-task-lib/task';
import type {
  AzureRmConnection,
  BackstageConnection,
} from '../../shared/src/auth/types';

/** task-lib refuses multi-line secrets (a PEM): mask each line that carries key material. */
export function setSecret(value: string) {
  const lines = value.split(/\r?\n/).map(l => l.trim());
  if (lines.length === 1) return tl.setSecret(value);
  for (const line of lines)
    if (line.length >= 8 && !line.startsWith('-----')) tl.setSecret(line);
}

const SCHEMES = [
  'WorkloadIdentityFederation',
  'ServicePrincipal',
  'ManagedServiceIdentity',
];

function azureRmConnection(id: string): AzureRmConnection {
  const scheme = tl.getEndpointAuthorizationScheme(id, true);
  if (!scheme) {
    throw new Error(
      `The Azure Resource Manager connection '${id}' is not available to this step: set the task's azureSubscription ` +
        'input to it (the agent only hands a task the connections that are its inputs) and authorize the pipeline to use it.',
    );
  }
  if (!SCHEMES.includes(scheme)) {
    throw new Error(
      `The Azure Resource Manager connection '${id}' uses scheme ${scheme}; supported: ${SCHEMES.join(', ')}.`,
    );
  }
  const param = (name: string) =>
    tl.getEndpointAuthorizationParameter(id, name, true) || undefined;
  const connection: AzureRmConnection = {
    id,
    scheme: scheme as AzureRmConnection['scheme'],
    tenantId: param('tenantid'),
    clientId: param('serviceprincipalid'),
    clientSecret:
      param('authenticationType') === 'spnCertificate'
        ? undefined
        : param('serviceprincipalkey'),
    clientCertificate: param('servicePrincipalCertificate'),
    authorityHost:
      tl.getEndpointDataParameter(id, 'environmentAuthorityUrl', true) ||
      undefined,
    oidcRequestUri: tl.getVariable('System.OidcRequestUri') || undefined,
    systemAccessToken:
      tl.getVariable('System.AccessToken') ||
      tl.getEndpointAuthorizationParameter(
        'SYSTEMVSSCONNECTION',
        'AccessToken',
        true,
      ) ||
      undefined,
  };
  for (const secret of [
    connection.clientSecret,
    connection.clientCertificate,
    connection.systemAccessToken,
  ]) {
    if (secret) setSecret(secret);
  }
  return connection;
}

/** The `backstageConnection` input as a {@link BackstageConnection}. */
export function backstageConnection(): BackstageConnection {
  const id = tl.getInput('backstageConnection', true)!;
  const url = tl.getEndpointUrl(id, false)!;
  const method = (
    tl.getEndpointDataParameter(id, 'authenticationMethod', true) || 'token'
  )
    .trim()
    .toLowerCase();
  if (method === 'entra') {
    const azureId =
      tl.getInput('azureSubscription') ||
      tl.getEndpointDataParameter(id, 'azureSubscription', true);
    if (!azureId) {
      throw new Error(
        'The Backstage service connection uses Microsoft Entra ID but names no Azure Resource Manager connection: ' +
          'set azureSubscription on the service connection or on the task.',
      );
    }
    const audience = tl.getEndpointDataParameter(id, 'audience', true) || '';
    return {
      url,
      auth: { kind: 'entra', audience, connection: azureRmConnection(azureId) },
    };
  }
  if (method !== 'token') {
    throw new Error(
      `The Backstage service connection has authenticationMethod '${method}'; use token or entra.`,
    );
  }
  const token =
    tl.getEndpointAuthorizationParameter(id, 'apitoken', true) || '';
  if (token) setSecret(token);
  return { url, auth: { kind: 'token', token } };
}
