/**
 * Service connections read with task-lib into the plain types of the core
 * (`../auth/types`). Only task entry files import this folder.
 */
import * as tl from 'azure-pipelines-task-lib/task';
import type { AzureRmConnection, BackstageConnection } from '../auth/types';
import { setSecret, systemAccessToken } from './reporter';

const SCHEMES: AzureRmConnection['scheme'][] = [
  'WorkloadIdentityFederation',
  'ServicePrincipal',
  'ManagedServiceIdentity',
];

/** The Azure Resource Manager connection with endpoint id `id`, its secrets masked. */
export function azureRmConnection(id: string): AzureRmConnection {
  const scheme = tl.getEndpointAuthorizationScheme(id, true);
  if (!scheme) {
    throw new Error(
      `The Azure Resource Manager connection '${id}' is not available to this step: set the task's azureSubscription ` +
        'input to it (the agent only hands a task the connections that are its inputs) and authorize the pipeline to use it.',
    );
  }
  if (!SCHEMES.includes(scheme as AzureRmConnection['scheme'])) {
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
    systemAccessToken: systemAccessToken(),
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

/** The task's `backstageConnection` input (a "Backstage" service connection) as a {@link BackstageConnection}. */
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
