import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';

/** What to check, by HTTP status, appended to every Azure DevOps failure. */
function hintFor(status: number, message: string, host: string): string {
  if (/TF401444/.test(message)) {
    return `the identity is not a member of the organization: add the service principal or managed identity under Organization settings → Users (Basic access), or use a personal access token.`;
  }
  switch (status) {
    case 400:
      return 'the action inputs named in the message.';
    case 401:
      return `the credentials for ${host} under integrations.azure: the personal access token may have expired or been revoked, or the Entra identity cannot get a token for Azure DevOps.`;
    case 403:
      return 'the permissions of the identity in integrations.azure (personal access token scopes "Build (read & execute)", "Service Connections (read, query & manage)", "Variable Groups (read, create & manage)"; or the project role of the service principal).';
    case 404:
      return 'the organization, project, pipeline and resource ids are spelled right and visible to the identity in integrations.azure.';
    case 409:
      return 'whether the object already exists under that name; pick another name or reuse the existing one.';
    default:
      return status >= 500
        ? 'the Azure DevOps service status; retrying the task is safe (writes are checkpointed).'
        : 'the request in the message.';
  }
}

/**
 * Turns an Azure DevOps failure into a Backstage error that carries the HTTP
 * status, Azure DevOps' own message and what to check.
 */
export function azureDevOpsError(options: {
  status: number;
  message: string;
  method: string;
  url: string;
}): Error {
  const host = safeHost(options.url);
  const text = `Azure DevOps answered ${options.status} to ${options.method} ${stripQuery(
    options.url,
  )}: ${options.message.trim() || '(no message)'} — check ${hintFor(
    options.status,
    options.message,
    host,
  )}`;
  switch (options.status) {
    case 400:
      return new InputError(text);
    case 401:
      return new AuthenticationError(text);
    case 403:
      return new NotAllowedError(text);
    case 404:
      return new NotFoundError(text);
    case 409:
      return new ConflictError(text);
    default:
      return new Error(text);
  }
}

/** The message of an Azure DevOps error body, or the raw text. */
export function messageOf(body: unknown, raw: string): string {
  if (
    body &&
    typeof body === 'object' &&
    typeof (body as any).message === 'string'
  ) {
    return (body as any).message;
  }
  return raw.slice(0, 500);
}

function stripQuery(url: string): string {
  return url.split('?')[0];
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
