import { parseArgs } from 'node:util';
import { DefaultAzureCredential } from '@azure/identity';
import { z } from 'zod';
import { CliCommand, CliIo, UsageError, textReporter } from './io';
import { HttpClient, HttpError } from '../http';
import type { Reporter } from '../reporter';

/** The repository events the catalog follows (`../shared/reference/azure-devops-service-hooks/`). */
export const HOOK_EVENTS: { eventType: string; resourceVersion: string }[] = [
  { eventType: 'git.push', resourceVersion: '1.0' },
  { eventType: 'git.repo.created', resourceVersion: '1.0-preview.1' },
  { eventType: 'git.repo.renamed', resourceVersion: '1.0-preview.1' },
  { eventType: 'git.repo.deleted', resourceVersion: '1.0-preview.1' },
  { eventType: 'git.repo.statuschanged', resourceVersion: '1.0-preview.1' },
];

/** Azure DevOps' Entra application; `.default` asks for the user's own rights. */
const AZURE_DEVOPS_SCOPE = '499b84ac-1321-427f-aa17-267ca6975798/.default';
const API_VERSION = '7.1';
/** The receiver's route in the catalog module; subscriptions whose URL ends in it are ours. */
const RECEIVER_PATH = '/stagedoor/v1/hooks/azure-devops';
const DEFAULT_HEADER = 'x-stagedoor-hook-secret';

const USAGE = `Usage: stagedoor hooks install --organization <org URL> --url <receiver URL> [--project <name>…]
       (--username <user> --password <password> | --header-secret <secret> [--header-name <name>]) [--dry-run]

Creates or updates the Azure DevOps service hook subscriptions (Web Hooks, one per project and
event: ${HOOK_EVENTS.map(e => e.eventType).join(', ')})
that deliver repository events to the Stagedoor receiver in Backstage
(POST <backend>/api/catalog${RECEIVER_PATH}). A second run changes nothing.

Options:
  --organization <url>   Organization URL, e.g. https://dev.azure.com/contoso (env SYSTEM_COLLECTIONURI)
  --url <url>            The receiver URL Azure DevOps posts to (https)
  --project <name>       A team project; repeat for several (default: every project of the organization)
  --username <user>      Basic auth user name the receiver expects (stagedoor.hooks.basicAuth)
  --password <password>  Basic auth password (env STAGEDOOR_HOOK_PASSWORD)
  --header-secret <s>    Or: a secret sent in a header (env STAGEDOOR_HOOK_SECRET; stagedoor.hooks.header)
  --header-name <name>   The header's name (default ${DEFAULT_HEADER})
  --token <pat>          Azure DevOps PAT with scopes Service Hooks (read & write) and Project (read)
                         (env AZURE_DEVOPS_TOKEN); without one, Entra ID through DefaultAzureCredential
  --rotate-secret        Replace the subscriptions even when unchanged: Azure DevOps never shows a stored
                         password or header back, so a new secret cannot be detected otherwise
  --dry-run              Show what would change without changing anything
  --verbose              Log each request (secrets masked)
Exit codes: 0 done (or nothing to do); 1 failed; 2 bad usage.
`;

const subscriptionSchema = z
  .object({
    id: z.string(),
    eventType: z.string(),
    publisherId: z.string().optional(),
    consumerId: z.string().optional(),
    consumerActionId: z.string().optional(),
    resourceVersion: z.string().nullish(),
    status: z.string().optional(),
    publisherInputs: z.record(z.string()).nullish(),
    consumerInputs: z.record(z.string()).nullish(),
  })
  .passthrough();
type Subscription = z.infer<typeof subscriptionSchema>;
const listOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ value: z.array(item) }).passthrough();
const projectSchema = z.object({ id: z.string(), name: z.string() });
type Project = z.infer<typeof projectSchema>;

/** What the receiver expects of each delivery. */
type Credentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'header'; name: string; value: string };

export type HookChange = 'created' | 'updated' | 'unchanged';

/** One line of the result: a project's subscription to one event. */
export interface HookResult {
  project: string;
  eventType: string;
  change: HookChange;
  /** Why an existing subscription is replaced. */
  reason?: string;
  subscriptionId?: string;
}

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        organization: { type: 'string' },
        url: { type: 'string' },
        project: { type: 'string', multiple: true },
        username: { type: 'string' },
        password: { type: 'string' },
        'header-secret': { type: 'string' },
        'header-name': { type: 'string' },
        token: { type: 'string' },
        'rotate-secret': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        verbose: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function absoluteUrl(value: string, flag: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} '${value}' is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`${flag} must be an http(s) URL (got '${value}')`);
  return url;
}

function credentialsFrom(
  values: ReturnType<typeof parse>['values'],
  env: NodeJS.ProcessEnv,
): Credentials {
  const password =
    values.password ?? (env.STAGEDOOR_HOOK_PASSWORD || undefined);
  const secret =
    values['header-secret'] ?? (env.STAGEDOOR_HOOK_SECRET || undefined);
  const basic = values.username !== undefined || password !== undefined;
  if (basic && secret !== undefined)
    throw new UsageError(
      'give either --username/--password or --header-secret, not both',
    );
  if (basic) {
    if (!values.username || !password)
      throw new UsageError(
        'basic auth needs both --username and --password (or STAGEDOOR_HOOK_PASSWORD)',
      );
    if (values.username.includes(':'))
      throw new UsageError('--username must not contain a colon');
    return { kind: 'basic', username: values.username, password };
  }
  if (secret !== undefined) {
    if (!secret) throw new UsageError('--header-secret is empty');
    const name = values['header-name'] ?? DEFAULT_HEADER;
    if (!/^[A-Za-z0-9-]+$/.test(name))
      throw new UsageError(
        `--header-name '${name}' is not a valid header name (letters, digits and dashes)`,
      );
    return { kind: 'header', name: name.toLowerCase(), value: secret };
  }
  throw new UsageError(
    'give the credentials the receiver checks: --username and --password, or --header-secret',
  );
}

/** The consumer inputs a subscription should have. */
function consumerInputs(
  url: string,
  credentials: Credentials,
): Record<string, string> {
  return credentials.kind === 'basic'
    ? {
        url,
        basicAuthUsername: credentials.username,
        basicAuthPassword: credentials.password,
      }
    : { url, httpHeaders: `${credentials.name}:${credentials.value}` };
}

/**
 * Why `existing` differs from what it should be, or undefined when it is as wanted.
 * Secrets are write-only in Azure DevOps (read back masked), so only their
 * presence is compared; `--rotate-secret` replaces regardless.
 */
function difference(
  existing: Subscription,
  url: string,
  resourceVersion: string,
  credentials: Credentials,
): string | undefined {
  const inputs = existing.consumerInputs ?? {};
  if (inputs.url !== url) return 'URL changed';
  if (existing.status && existing.status !== 'enabled')
    return `was ${existing.status}`;
  if ((existing.resourceVersion ?? undefined) !== resourceVersion)
    return 'resource version changed';
  if (credentials.kind === 'basic') {
    if (inputs.basicAuthUsername !== credentials.username)
      return 'user name changed';
    if (!inputs.basicAuthPassword || inputs.httpHeaders)
      return 'credentials changed';
  } else if (
    !inputs.httpHeaders ||
    inputs.basicAuthUsername ||
    inputs.basicAuthPassword
  ) {
    return 'credentials changed';
  }
  return undefined;
}

function isOurs(subscription: Subscription, url: string): boolean {
  const theirs = subscription.consumerInputs?.url;
  if (!theirs) return false;
  if (theirs === url) return true;
  try {
    const path = new URL(theirs).pathname.replace(/\/+$/, '');
    return (
      path.endsWith(RECEIVER_PATH) ||
      path === new URL(url).pathname.replace(/\/+$/, '')
    );
  } catch {
    return false;
  }
}

async function azureDevOpsClient(
  organization: string,
  token: string | undefined,
  reporter: Reporter,
  verbose: boolean,
): Promise<HttpClient> {
  let authorization: string;
  if (token) {
    authorization = `Basic ${Buffer.from(`:${token}`).toString('base64')}`;
  } else {
    reporter.info(
      'No --token or AZURE_DEVOPS_TOKEN: signing in with Entra ID (DefaultAzureCredential).',
    );
    try {
      const credential = new DefaultAzureCredential();
      const entra = await credential.getToken(AZURE_DEVOPS_SCOPE);
      reporter.secret(entra.token);
      authorization = `Bearer ${entra.token}`;
    } catch (error) {
      throw new Error(
        `No --token or AZURE_DEVOPS_TOKEN, and Entra ID sign-in failed (${(error as Error).message.split('\n')[0]}). ` +
          'Give a PAT, or sign in (az login, a managed identity, or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET).',
      );
    }
  }
  reporter.secret(authorization);
  return new HttpClient({
    baseUrl: organization,
    authorization,
    principal: token ? 'the PAT' : 'the Entra ID identity',
    userAgent: 'stagedoor-hooks',
    onRetry: info =>
      verbose
        ? reporter.info(
            `${info.reason} from ${info.url}, retrying in ${Math.ceil(info.delayMs / 1000)} s`,
          )
        : undefined,
  });
}

/** A message about an Azure DevOps failure that says what to fix. */
function describe(error: unknown, organization: string): string {
  if (!(error instanceof HttpError)) return (error as Error).message;
  const said = (error.details.body as { message?: unknown } | undefined)
    ?.message;
  const server = typeof said === 'string' ? ` Azure DevOps said: ${said}` : '';
  switch (error.kind) {
    case 'unauthorized':
      return `Azure DevOps rejected the credentials (401) for ${organization}: check the PAT (--token or AZURE_DEVOPS_TOKEN), that it is not expired and belongs to this organization.${server}`;
    case 'forbidden':
      return `Azure DevOps refused ${error.details.method} ${new URL(error.details.url).pathname} (403): the identity needs the scopes Service Hooks (read & write) and Project (read), and the "Edit subscriptions" permission.${server}`;
    case 'dns':
    case 'connection':
    case 'tls':
    case 'timeout':
      return `Could not reach Azure DevOps at ${organization} (${error.kind}): check --organization.`;
    default:
      return `${error.details.method} ${new URL(error.details.url).pathname} answered ${error.status ?? error.kind}.${server}`;
  }
}

async function projectsOf(
  client: HttpClient,
  names: string[] | undefined,
): Promise<Project[]> {
  if (names?.length) {
    const projects: Project[] = [];
    for (const name of names) {
      const { body } = await client.request({
        method: 'GET',
        path: `/_apis/projects/${encodeURIComponent(name)}`,
        query: { 'api-version': API_VERSION },
        schema: projectSchema.passthrough(),
      });
      projects.push({ id: body.id, name: body.name });
    }
    return projects;
  }
  const projects: Project[] = [];
  let continuationToken: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const response = await client.request({
      method: 'GET',
      path: '/_apis/projects',
      query: {
        'api-version': API_VERSION,
        $top: '500',
        continuationToken,
      },
      schema: listOf(projectSchema.passthrough()),
    });
    projects.push(
      ...response.body.value.map(p => ({ id: p.id, name: p.name })),
    );
    continuationToken =
      response.headers.get('x-ms-continuationtoken') ?? undefined;
    if (!continuationToken) break;
  }
  return projects;
}

/** Creates or updates the subscriptions; what changed, per project and event. */
export async function installHooks(
  client: HttpClient,
  options: {
    url: string;
    projects?: string[];
    credentials: Credentials;
    dryRun: boolean;
    rotateSecret: boolean;
  },
  reporter: Reporter,
): Promise<HookResult[]> {
  const projects = await projectsOf(client, options.projects);
  const results: HookResult[] = [];
  for (const event of HOOK_EVENTS) {
    const { body } = await client.request({
      method: 'GET',
      path: '/_apis/hooks/subscriptions',
      query: {
        'api-version': API_VERSION,
        publisherId: 'tfs',
        eventType: event.eventType,
        consumerId: 'webHooks',
        consumerActionId: 'httpRequest',
      },
      schema: listOf(subscriptionSchema),
    });
    for (const project of projects) {
      const candidates = body.value.filter(
        s =>
          s.eventType === event.eventType &&
          s.publisherInputs?.projectId?.toLowerCase() ===
            project.id.toLowerCase() &&
          isOurs(s, options.url),
      );
      const existing =
        candidates.find(s => s.consumerInputs?.url === options.url) ??
        candidates[0];
      const wanted = {
        publisherId: 'tfs',
        eventType: event.eventType,
        resourceVersion: event.resourceVersion,
        consumerId: 'webHooks',
        consumerActionId: 'httpRequest',
        publisherInputs: { projectId: project.id },
        consumerInputs: consumerInputs(options.url, options.credentials),
      };
      const line = { project: project.name, eventType: event.eventType };
      if (!existing) {
        reporter.debug(
          `POST /_apis/hooks/subscriptions ${JSON.stringify(wanted)}`,
        );
        const id = options.dryRun
          ? undefined
          : (
              await client.request({
                method: 'POST',
                path: '/_apis/hooks/subscriptions',
                query: { 'api-version': API_VERSION },
                body: wanted,
                schema: subscriptionSchema,
              })
            ).body.id;
        results.push({ ...line, change: 'created', subscriptionId: id });
        continue;
      }
      const reason =
        difference(
          existing,
          options.url,
          event.resourceVersion,
          options.credentials,
        ) ?? (options.rotateSecret ? 'secret rotated' : undefined);
      if (!reason) {
        results.push({
          ...line,
          change: 'unchanged',
          subscriptionId: existing.id,
        });
        continue;
      }
      const path = `/_apis/hooks/subscriptions/${encodeURIComponent(existing.id)}`;
      reporter.debug(
        `PUT ${path} (${reason}) ${JSON.stringify({ ...wanted, id: existing.id })}`,
      );
      if (!options.dryRun) {
        await client.request({
          method: 'PUT',
          path,
          query: { 'api-version': API_VERSION },
          body: { ...wanted, id: existing.id, status: 'enabled' },
          schema: subscriptionSchema,
        });
      }
      results.push({
        ...line,
        change: 'updated',
        reason,
        subscriptionId: existing.id,
      });
    }
  }
  // By project, then event, in the order above.
  const order = (r: HookResult) =>
    projects.findIndex(p => p.name === r.project) * HOOK_EVENTS.length +
    HOOK_EVENTS.findIndex(e => e.eventType === r.eventType);
  return results.sort((a, b) => order(a) - order(b));
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args);
  const organizationValue =
    values.organization ?? (io.env.SYSTEM_COLLECTIONURI || undefined);
  if (!organizationValue)
    throw new UsageError(
      'give the organization URL with --organization (e.g. https://dev.azure.com/contoso)',
    );
  absoluteUrl(organizationValue, '--organization');
  const organization = organizationValue.replace(/\/+$/, '');
  if (!values.url)
    throw new UsageError(
      'give the receiver URL with --url (e.g. https://backstage.contoso.com/api/catalog/stagedoor/v1/hooks/azure-devops)',
    );
  const receiver = absoluteUrl(values.url, '--url');
  const credentials = credentialsFrom(values, io.env);
  const projects = values.project?.map(p => p.trim()).filter(Boolean);
  if (values.project && projects?.length !== values.project.length)
    throw new UsageError('--project must not be empty');
  const token = values.token ?? (io.env.AZURE_DEVOPS_TOKEN || undefined);
  const dryRun = values['dry-run'] ?? false;

  const verbose = Boolean(values.verbose || io.env.STAGEDOOR_VERBOSE);
  const reporter = textReporter(io, { verbose });
  if (token) reporter.secret(token);
  reporter.secret(
    credentials.kind === 'basic' ? credentials.password : credentials.value,
  );
  if (receiver.protocol !== 'https:')
    reporter.warn(
      `--url is not https: Azure DevOps sends basic auth and headers only to https endpoints.`,
    );

  let results: HookResult[];
  try {
    const client = await azureDevOpsClient(
      organization,
      token,
      reporter,
      verbose,
    );
    results = await installHooks(
      client,
      {
        url: values.url,
        projects,
        credentials,
        dryRun,
        rotateSecret: values['rotate-secret'] ?? false,
      },
      reporter,
    );
  } catch (error) {
    reporter.error(describe(error, organization));
    return 1;
  }

  const verb = (c: HookChange) =>
    dryRun && c !== 'unchanged' ? `would be ${c}` : c;
  const width = Math.max(0, ...results.map(r => r.project.length));
  for (const r of results) {
    io.stdout(
      `${r.project.padEnd(width)}  ${r.eventType.padEnd(22)}  ${verb(r.change)}${r.reason ? ` (${r.reason})` : ''}\n`,
    );
  }
  const count = (c: HookChange) => results.filter(r => r.change === c).length;
  const projectCount = new Set(results.map(r => r.project)).size;
  if (results.length === 0) {
    io.stdout('No projects found: nothing to install.\n');
  } else if (count('created') + count('updated') === 0) {
    io.stdout(
      `Nothing to change: all ${results.length} subscriptions in ${projectCount} project(s) are up to date.\n`,
    );
  } else {
    io.stdout(
      `${dryRun ? 'Dry run: would create' : 'Created'} ${count('created')}, ${dryRun ? 'update' : 'updated'} ${count('updated')}, ${count('unchanged')} unchanged, in ${projectCount} project(s).\n`,
    );
  }
  return 0;
}

export const hooksInstallCommand: CliCommand = {
  name: ['hooks', 'install'],
  usage: USAGE,
  run,
};
