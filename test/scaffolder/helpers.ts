/**
 * Shared set-up for the scaffolder action tests: the fake Azure DevOps, a
 * credentials registry built from real `integrations.azure` config, and the
 * context the scaffolder hands an action (input, outputs, logs, checkpoints).
 */
import { ConfigReader } from '@backstage/config';
import {
  AzureDevOpsCredentialsProvider,
  DefaultAzureDevOpsCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  DEFAULT_GUARDRAILS,
  type Guardrails,
} from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import {
  FakeAzureDevOps,
  FakeAzureDevOpsOptions,
  startFakeAzureDevOps,
} from '../fixtures/azure-devops';

export const PAT = 'pat-alice-0123456789';
export const READ_ONLY_PAT = 'pat-reader-0123456789';
export const OUTSIDER_PAT = 'pat-outsider-0123456789';
export const ENTRA_TOKEN = 'entra-access-token';

/**
 * Guardrails that allow everything, for tests of what the actions do once allowed
 * (sharing, management-group scopes, open access); `guardrails.test.ts` tests the refusals.
 */
export const OPEN_GUARDRAILS: Guardrails = {
  ...DEFAULT_GUARDRAILS,
  allowCrossProjectSharing: true,
  allowAuthorizeAllPipelines: true,
  serviceConnectionScopes: ['subscription', 'resourceGroup', 'managementGroup'],
};

/** A fake organization that knows the test identities. */
export function startFake(
  options: FakeAzureDevOpsOptions = {},
): Promise<FakeAzureDevOps> {
  return startFakeAzureDevOps({
    projects: [
      { name: 'Platform', repositories: ['payments', 'pipeline-templates'] },
      { name: 'Shared', repositories: [] },
    ],
    pats: {
      [PAT]: { displayName: 'Alice' },
      [READ_ONLY_PAT]: { displayName: 'Reader', readOnly: true },
      [OUTSIDER_PAT]: { displayName: 'sp-backstage', notMember: true },
    },
    bearerTokens: { [ENTRA_TOKEN]: { displayName: 'mi-backstage' } },
    runPolls: 1,
    endpointReadyAfter: 1,
    ...options,
  });
}

/** `integrations.azure` with a PAT for the fake's host, read the way the backend reads it. */
export function patIntegrations(fake: FakeAzureDevOps, pat = PAT) {
  return ScmIntegrations.fromConfig(
    new ConfigReader({
      integrations: {
        azure: [
          {
            host: new URL(fake.baseUrl).host,
            credentials: [{ personalAccessToken: pat }],
          },
        ],
      },
    }),
  );
}

/**
 * Bearer credentials the adopter way: `integrations.azure` for dev.azure.com with
 * a managed identity (`clientId: system-assigned`); `@backstage/integration`
 * only allows Entra credentials for dev.azure.com. The provider is asked for the
 * dev.azure.com URL the fake stands in for; the token then comes from the fake
 * managed-identity endpoint (see `startFakeManagedIdentityEndpoint`).
 */
export function bearerCredentialsProvider(
  fake: FakeAzureDevOps,
): AzureDevOpsCredentialsProvider {
  const real = DefaultAzureDevOpsCredentialsProvider.fromIntegrations(
    ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: {
          azure: [
            {
              host: 'dev.azure.com',
              credentials: [{ clientId: 'system-assigned' }],
            },
          ],
        },
      }),
    ),
  );
  return {
    getCredentials: ({ url }) =>
      real.getCredentials({
        url: url.replace(fake.baseUrl, 'https://dev.azure.com'),
      }),
  };
}

/** What one action invocation left behind. */
export interface Invocation {
  outputs: Record<string, unknown>;
  logs: string[];
}

/** A LoggerService that keeps the lines, so tests can assert what users read. */
function recordingLogger(lines: string[]): LoggerService {
  const log = (level: string) => (message: string, meta?: unknown) => {
    lines.push(`${level}: ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`);
  };
  const logger: LoggerService = {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: () => logger,
  };
  return logger;
}

/**
 * Runs an action's handler with the context the scaffolder provides. The input
 * is parsed through the action's own schema first, as the scaffolder does.
 * `checkpoints` persists across calls to model a retried task.
 */
export async function invoke(
  action: TemplateAction<any, any, any>,
  input: Record<string, unknown>,
  opts: {
    dryRun?: boolean;
    checkpoints?: Map<string, unknown>;
    stepId?: string;
    workspacePath?: string;
  } = {},
): Promise<Invocation> {
  const outputs: Record<string, unknown> = {};
  const logs: string[] = [];
  const checkpoints = opts.checkpoints ?? new Map<string, unknown>();
  const schema = action.schema?.input as any;
  if (schema?.properties) {
    for (const key of Object.keys(input)) {
      if (!(key in schema.properties))
        throw new Error(`test bug: ${action.id} has no input '${key}'`);
    }
  }
  await action.handler({
    input,
    logger: recordingLogger(logs),
    output: (name: string, value: unknown) => {
      outputs[name] = value;
    },
    checkpoint: async ({ key, fn }: { key: string; fn: () => unknown }) => {
      if (checkpoints.has(key)) return checkpoints.get(key);
      const value = await fn();
      checkpoints.set(key, value);
      return value;
    },
    isDryRun: opts.dryRun ?? false,
    workspacePath: opts.workspacePath ?? '/nonexistent',
    createTemporaryDirectory: async () => '/nonexistent',
    getInitiatorCredentials: async () => ({
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef: 'user:default/alice' },
    }),
    task: { id: 'task-1' },
    step: { id: opts.stepId ?? 'step-1', name: 'step' },
  } as any);
  return { outputs, logs };
}

/** The operation ids the fake saw, in order. */
export function operations(fake: FakeAzureDevOps, from = 0): string[] {
  return fake.requests
    .slice(from)
    .map(r => r.operationId ?? `${r.method} ${r.path}`);
}

/** Asserts that a promise rejects with an error whose name and message match. */
export async function rejects(
  p: Promise<unknown>,
  name: string,
  ...patterns: RegExp[]
): Promise<Error> {
  let error: Error | undefined;
  try {
    await p;
  } catch (e) {
    error = e as Error;
  }
  if (!error) throw new Error(`expected ${name}, but it resolved`);
  if (error.name !== name)
    throw new Error(`expected ${name}, got ${error.name}: ${error.message}`);
  for (const pattern of patterns) {
    if (!pattern.test(error.message))
      throw new Error(`message does not match ${pattern}: ${error.message}`);
  }
  return error;
}
