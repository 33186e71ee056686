import type {
  ActionContext,
  TemplateAction,
  TemplateActionOptions,
} from '@backstage/plugin-scaffolder-node';
import type { AuditorService } from '@backstage/backend-plugin-api';
import {
  AzureDevOpsCredentialsProvider,
  DefaultAzureDevOpsCredentialsProvider,
  ScmIntegrationRegistry,
} from '@backstage/integration';
import { AzureDevOpsClient } from '../lib/client';
import { OrganizationInput, resolveOrganizationUrl } from '../lib/organization';
import {
  DEFAULT_GUARDRAILS,
  GuardedCall,
  Guardrails,
  checkGuardrails,
} from '../lib/guardrails';

/**
 * The zod the scaffolder hands to schema functions. Taken from its own types so
 * this package never imports a second copy of zod.
 */
type InputSchemas = Exclude<
  NonNullable<NonNullable<TemplateActionOptions['schema']>['input']>,
  (...args: never[]) => unknown
>;
export type ZImpl = Parameters<InputSchemas[string]>[0];

/** What every action factory takes. */
export interface AzureDevOpsActionOptions {
  integrations: ScmIntegrationRegistry;
  /** Defaults to `DefaultAzureDevOpsCredentialsProvider.fromIntegrations(integrations)`. */
  credentialsProvider?: AzureDevOpsCredentialsProvider;
  /** Timeout of one Azure DevOps call (default 30 s). */
  timeoutMs?: number;
  /** What templates may do; default `DEFAULT_GUARDRAILS` (see `readGuardrailsConfig`). */
  guardrails?: Guardrails;
  /** Records every call (initiator, task, target, outcome); the scaffolder's `coreServices.auditor`. */
  auditor?: AuditorService;
}

/** The organization inputs every action accepts (ours and the community module's names). */
export const organizationInputs = {
  organizationUrl: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe(
        'Organization or collection URL, e.g. https://dev.azure.com/contoso. Alternative to organization + host.',
      ),
  organization: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe('Azure DevOps organization (collection) name.'),
  host: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe('Azure DevOps host (default dev.azure.com).'),
  server: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe('Alias of host (community module input name).'),
  project: (zz: ZImpl) => zz.string().min(1).describe('Project name or id.'),
  token: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe(
        'An Entra access token to use instead of integrations.azure (e.g. the user token from RepoUrlPicker requestUserCredentials). Sent as Bearer, never logged.',
      ),
};

/** Builds the credentials provider once per factory. */
export function credentialsProviderOf(options: AzureDevOpsActionOptions) {
  return (
    options.credentialsProvider ??
    DefaultAzureDevOpsCredentialsProvider.fromIntegrations(options.integrations)
  );
}

/** A client for the organization named by the inputs. */
export function clientFor(
  input: OrganizationInput & { token?: string },
  provider: AzureDevOpsCredentialsProvider,
  options: AzureDevOpsActionOptions,
): Promise<AzureDevOpsClient> {
  return AzureDevOpsClient.create({
    organizationUrl: resolveOrganizationUrl(input),
    credentialsProvider: provider,
    token: input.token,
    timeoutMs: options.timeoutMs,
  });
}

/** Folder as the service stores it: `\a\b`, root `\`. */
export function normalizeFolder(folder: string | undefined): string {
  const parts = (folder ?? '').split(/[\\/]+/).filter(Boolean);
  return `\\${parts.join('\\')}`;
}

/** The Backstage user (or service) that started the task. */
export async function initiatorOf(
  ctx: Pick<ActionContext<any>, 'getInitiatorCredentials' | 'user'>,
): Promise<string> {
  const principal = (await ctx.getInitiatorCredentials().catch(() => undefined))
    ?.principal as { type?: string; userEntityRef?: string; subject?: string };
  if (principal?.type === 'user' && principal.userEntityRef)
    return principal.userEntityRef;
  return ctx.user?.ref ?? principal?.subject ?? 'unknown';
}

/**
 * The line appended to the description of what an action creates, so Azure
 * DevOps shows who asked for it: the user entity ref and the scaffolder task.
 */
export function attributionOf(initiator: string, taskId: string): string {
  return `[Created from Backstage by ${initiator}, scaffolder task ${taskId}]`;
}

/** Appends the attribution to a description (kept within Azure DevOps' 1024 characters). */
export function attributed(
  description: string | undefined,
  attribution: string,
): string {
  if (!description) return attribution;
  const room = 1024 - attribution.length - 1;
  const head =
    description.length > room
      ? `${description.slice(0, room - 1)}…`
      : description;
  return `${head} ${attribution}`;
}

type JsonObject = NonNullable<
  Parameters<AuditorService['createEvent']>[0]['meta']
>;

/** Outputs recorded in audit events: ids and flags, never values a template passed in. */
const AUDITED_OUTPUTS = new Set([
  'pipelineId',
  'runId',
  'result',
  'resourceId',
  'serviceConnectionId',
  'variableGroupId',
  'created',
  'changed',
  'pullRequestId',
  'commitId',
]);

/**
 * Wraps an action so every call is checked against the guardrails before any
 * request, and recorded through the auditor (initiator, task, target, outcome,
 * what it created) — with no input values, so no secrets.
 */
export function guarded<A extends TemplateAction<any, any, any>>(
  action: A,
  options: AzureDevOpsActionOptions,
  targetOf: (input: any) => Omit<GuardedCall, 'actionId' | 'organizationUrl'>,
): A {
  const guardrails = options.guardrails ?? DEFAULT_GUARDRAILS;
  return {
    ...action,
    async handler(ctx: ActionContext<any>) {
      const initiator = await initiatorOf(ctx);
      const meta: JsonObject = {
        actionId: action.id,
        taskId: ctx.task?.id ?? null,
        stepId: ctx.step?.id ?? null,
        initiator,
        dryRun: ctx.isDryRun ?? false,
      };
      let event: Awaited<ReturnType<AuditorService['createEvent']>> | undefined;
      const outputs: JsonObject = {};
      try {
        const organizationUrl = resolveOrganizationUrl(ctx.input);
        const target = targetOf(ctx.input);
        meta.organization = organizationUrl;
        meta.projects = target.projects;
        event = await options.auditor?.createEvent({
          eventId: 'azure-devops-action',
          severityLevel: ctx.isDryRun ? 'low' : 'medium',
          meta,
        });
        checkGuardrails(guardrails, {
          actionId: action.id,
          organizationUrl,
          ...target,
        });
        await action.handler({
          ...ctx,
          output(name: string, value: any) {
            if (AUDITED_OUTPUTS.has(name)) outputs[name] = value;
            ctx.output(name, value);
          },
        });
      } catch (error) {
        event ??= await options.auditor?.createEvent({
          eventId: 'azure-devops-action',
          severityLevel: 'medium',
          meta,
        });
        await event?.fail({ error: error as Error, meta: { outputs } });
        throw error;
      }
      await event?.success({ meta: { outputs } });
    },
  };
}
