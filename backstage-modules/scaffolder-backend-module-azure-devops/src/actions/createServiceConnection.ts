import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { ConflictError } from '@backstage/errors';
import {
  AzureDevOpsActionOptions,
  clientFor,
  credentialsProviderOf,
  guarded,
  attributed,
  attributionOf,
  initiatorOf,
  organizationInputs,
} from './common';
import { examples } from './createServiceConnection.examples';
import { serviceConnectionBody } from './serviceConnection.body';
import { parsePipelineId } from '../lib/inputs';
import {
  ServiceEndpoint,
  createServiceEndpoint,
  findServiceEndpoint,
  getServiceEndpoint,
  shareServiceEndpoint,
} from '../lib/serviceEndpoints';
import { updatePipelinePermissions } from '../lib/permissions';
import { sleep } from '../lib/sleep';

/**
 * `azure:serviceconnection:create`: an Azure Resource Manager connection with
 * workload identity federation, or a generic or Backstage connection; shared
 * with projects, waited for until ready, optionally authorized for pipelines.
 *
 * @public
 */
export function createServiceConnectionCreateAction(
  options: AzureDevOpsActionOptions,
) {
  const provider = credentialsProviderOf(options);
  const action = createTemplateAction({
    id: 'azure:serviceconnection:create',
    description:
      'Creates an Azure DevOps service connection (Azure Resource Manager with workload identity federation, generic, or Backstage) and outputs the federation issuer and subject.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...organizationInputs,
        name: z =>
          z
            .string()
            .min(1)
            .describe('Connection name (unique in the project).'),
        description: z => z.string().optional().describe('Description.'),
        type: z =>
          z
            .enum(['azurerm', 'generic', 'backstage'])
            .optional()
            .describe('azurerm (default), generic or backstage.'),
        scopeLevel: z =>
          z
            .enum(['subscription', 'resourceGroup', 'managementGroup'])
            .optional()
            .describe('azurerm scope (default subscription).'),
        subscriptionId: z =>
          z.string().optional().describe('azurerm: subscription id.'),
        subscriptionName: z =>
          z.string().optional().describe('azurerm: subscription display name.'),
        resourceGroup: z =>
          z
            .string()
            .optional()
            .describe('azurerm: resource group (scopeLevel resourceGroup).'),
        managementGroupId: z =>
          z.string().optional().describe('azurerm: management group id.'),
        managementGroupName: z =>
          z
            .string()
            .optional()
            .describe('azurerm: management group display name.'),
        tenantId: z =>
          z.string().optional().describe('azurerm: Entra tenant id.'),
        clientId: z =>
          z
            .string()
            .optional()
            .describe(
              'azurerm: client id of the app registration or user-assigned managed identity.',
            ),
        environment: z =>
          z
            .string()
            .optional()
            .describe('azurerm: cloud (default AzureCloud).'),
        url: z =>
          z.string().optional().describe('generic/backstage: server URL.'),
        username: z => z.string().optional().describe('generic: user name.'),
        password: z =>
          z
            .string()
            .optional()
            .describe(
              'generic: password (from the template secrets; never logged).',
            ),
        apiToken: z =>
          z
            .string()
            .optional()
            .describe(
              'backstage: static token (from the template secrets; never logged).',
            ),
        authenticationMethod: z =>
          z
            .enum(['token', 'entra'])
            .optional()
            .describe('backstage: token (default) or entra.'),
        azureSubscription: z =>
          z
            .string()
            .optional()
            .describe(
              'backstage/entra: the Azure Resource Manager connection that gets the token.',
            ),
        audience: z =>
          z
            .string()
            .optional()
            .describe('backstage/entra: Application ID URI Backstage accepts.'),
        shareWithProjects: z =>
          z
            .array(z.string())
            .optional()
            .describe('Other projects to share the connection with.'),
        authorizeAllPipelines: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Let every pipeline of the project use it (default false).',
            ),
        authorizePipelineIds: z =>
          z
            .array(z.union([z.string(), z.number()]))
            .optional()
            .describe('Pipelines allowed to use it.'),
        waitForReady: z =>
          z
            .boolean()
            .optional()
            .describe('Wait until the connection is ready (default true).'),
        readyTimeout: z =>
          z
            .number()
            .positive()
            .optional()
            .describe('Seconds to wait for readiness (default 120).'),
        readyPollInterval: z =>
          z
            .number()
            .positive()
            .optional()
            .describe('Seconds between readiness checks (default 2).'),
        failIfExists: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Fail when a connection with this name exists (default: reuse it).',
            ),
      },
      output: {
        serviceConnectionId: z => z.string().describe('Connection id.'),
        serviceConnectionName: z => z.string().describe('Connection name.'),
        workloadIdentityFederationIssuer: z =>
          z
            .string()
            .describe(
              'Issuer for the federated credential (azurerm), as Azure DevOps reports it.',
            ),
        workloadIdentityFederationSubject: z =>
          z
            .string()
            .describe(
              'Subject for the federated credential (azurerm), as Azure DevOps reports it.',
            ),
        created: z =>
          z.boolean().describe('False when an existing connection was reused.'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const type = input.type ?? 'azurerm';
      const pipelineIds = (input.authorizePipelineIds ?? []).map(v =>
        parsePipelineId(v, 'authorizePipelineIds'),
      );
      const client = await clientFor(input, provider, options);
      const project = await client.getProject(input.project);
      // Builds (and so validates) the body before anything is written.
      const description = attributed(
        input.description,
        attributionOf(await initiatorOf(ctx), ctx.task.id),
      );
      const body = serviceConnectionBody(
        { ...input, type, description },
        project,
      );
      const shareWith: { id: string; name: string }[] = [];
      for (const name of input.shareWithProjects ?? [])
        shareWith.push(await client.getProject(name));
      const existing = await findServiceEndpoint(
        client,
        project.name,
        input.name,
      );
      if (existing && input.failIfExists) {
        throw new ConflictError(
          `Service connection '${input.name}' already exists in ${project.name} (id ${existing.id}) and failIfExists is set — choose another name.`,
        );
      }
      const emit = (e: ServiceEndpoint | undefined, created: boolean) => {
        const params = e?.authorization?.parameters ?? {};
        ctx.output('serviceConnectionId', e?.id ?? '');
        ctx.output('serviceConnectionName', input.name);
        ctx.output(
          'workloadIdentityFederationIssuer',
          params.workloadIdentityFederationIssuer ?? '',
        );
        ctx.output(
          'workloadIdentityFederationSubject',
          params.workloadIdentityFederationSubject ?? '',
        );
        ctx.output('created', created);
      };
      if (ctx.isDryRun) {
        ctx.logger.info(
          existing
            ? `Dry run: service connection '${input.name}' exists (id ${existing.id}); it would be reused.`
            : `Dry run: would create ${type} service connection '${input.name}' in ${project.name}${
                shareWith.length
                  ? `, share it with ${shareWith.map(p => p.name).join(', ')}`
                  : ''
              }${input.authorizeAllPipelines ? ', authorize all pipelines' : ''}${
                pipelineIds.length
                  ? `, authorize pipelines ${pipelineIds.join(', ')}`
                  : ''
              }.`,
        );
        emit(existing, !existing);
        return;
      }
      const key =
        `azure:serviceconnection:create:${client.organizationUrl}/${project.id}/${input.name}`.toLowerCase();
      const created = await ctx.checkpoint({
        key,
        fn: async () => {
          const found = await findServiceEndpoint(
            client,
            project.name,
            input.name,
          );
          if (found) return { id: found.id, created: false };
          const e = await createServiceEndpoint(client, body);
          return { id: e.id, created: true };
        },
      });
      ctx.logger.info(
        `${created.created ? 'Created' : 'Reusing'} service connection '${input.name}' (id ${created.id}).`,
      );
      if (shareWith.length > 0) {
        await ctx.checkpoint({
          key: `${key}:share:${shareWith.map(p => p.id).join(',')}`,
          fn: async () => {
            await shareServiceEndpoint(
              client,
              created.id,
              shareWith.map(p => ({
                name: input.name,
                description,
                projectReference: p,
              })),
            );
          },
        });
        ctx.logger.info(
          `Shared with ${shareWith.map(p => p.name).join(', ')}.`,
        );
      }
      let endpoint = await getServiceEndpoint(client, project.name, created.id);
      if (input.waitForReady ?? true) {
        const deadline = Date.now() + (input.readyTimeout ?? 120) * 1000;
        while (!endpoint.isReady) {
          if (endpoint.operationStatus?.state?.toLowerCase() === 'failed') {
            throw new Error(
              `Service connection '${input.name}' failed to initialise: ${endpoint.operationStatus.statusMessage ?? 'no message'} — check the identity's role assignment on the scope.`,
            );
          }
          if (Date.now() > deadline) {
            throw new Error(
              `Service connection '${input.name}' (id ${created.id}) was not ready within ${input.readyTimeout ?? 120} s — check it under Project settings → Service connections, or raise readyTimeout.`,
            );
          }
          await sleep((input.readyPollInterval ?? 2) * 1000);
          endpoint = await getServiceEndpoint(client, project.name, created.id);
        }
      }
      if (input.authorizeAllPipelines || pipelineIds.length > 0) {
        await ctx.checkpoint({
          key: `${key}:permit:${input.authorizeAllPipelines ?? false}:${pipelineIds.join(',')}`,
          fn: async () => {
            await updatePipelinePermissions(
              client,
              project.name,
              'endpoint',
              created.id,
              {
                resource: { id: created.id, type: 'endpoint' },
                pipelines: pipelineIds.map(id => ({ id, authorized: true })),
                ...(input.authorizeAllPipelines
                  ? { allPipelines: { authorized: true } }
                  : {}),
              },
            );
          },
        });
        ctx.logger.info(
          `Authorized ${input.authorizeAllPipelines ? 'all pipelines' : `pipelines ${pipelineIds.join(', ')}`} to use '${input.name}'.`,
        );
      }
      const issuer =
        endpoint.authorization?.parameters?.workloadIdentityFederationIssuer;
      if (issuer) {
        ctx.logger.info(
          `Federated credential: issuer ${issuer}, subject ${endpoint.authorization?.parameters?.workloadIdentityFederationSubject}.`,
        );
      }
      emit(endpoint, created.created);
    },
  });
  return guarded(action, options, input => ({
    projects: [input.project],
    shareWithProjects: input.shareWithProjects,
    authorizeAllPipelines: input.authorizeAllPipelines === true,
    serviceConnection: {
      type: input.type ?? 'azurerm',
      scopeLevel: input.scopeLevel,
    },
  }));
}
