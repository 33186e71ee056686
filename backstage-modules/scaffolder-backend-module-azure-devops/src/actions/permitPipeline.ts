import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  AzureDevOpsActionOptions,
  clientFor,
  credentialsProviderOf,
  guarded,
  organizationInputs,
} from './common';
import { examples } from './permitPipeline.examples';
import { parsePipelineId } from '../lib/inputs';
import { AzureDevOpsClient } from '../lib/client';
import {
  RESOURCE_TYPES,
  ResourcePipelinePermissions,
  ResourceType,
  getPipelinePermissions,
  updatePipelinePermissions,
} from '../lib/permissions';
import { findServiceEndpoint } from '../lib/serviceEndpoints';

/** Resolves `resourceName` to the id the permissions API wants, where the name is enough. */
async function resolveResourceId(
  client: AzureDevOpsClient,
  project: { id: string; name: string },
  type: ResourceType,
  resourceId: string | undefined,
  resourceName: string | undefined,
): Promise<string> {
  if (type === 'repository') {
    if (resourceId?.includes('.')) return resourceId;
    const repo = await client.getRepository(
      project.name,
      resourceId ?? resourceName!,
    );
    return `${project.id}.${repo.id}`;
  }
  if (resourceId) return resourceId;
  if (type === 'endpoint') {
    const e = await findServiceEndpoint(client, project.name, resourceName!);
    if (!e)
      throw new NotFoundError(
        `Service connection '${resourceName}' was not found in project ${project.name} — check resourceName.`,
      );
    return e.id;
  }
  if (type === 'variablegroup') {
    const g = await client.findVariableGroup(project.name, resourceName!);
    if (!g?.id)
      throw new NotFoundError(
        `Variable group '${resourceName}' was not found in project ${project.name} — check resourceName.`,
      );
    return String(g.id);
  }
  throw new InputError(
    `resourceType '${type}' needs resourceId (names are resolved only for endpoint, variablegroup and repository).`,
  );
}

/** True when the current permissions already say what we want. */
function satisfied(
  current: ResourcePipelinePermissions | undefined,
  want: ResourcePipelinePermissions,
): boolean {
  if (
    want.allPipelines &&
    current?.allPipelines?.authorized !== want.allPipelines.authorized
  )
    return false;
  return (want.pipelines ?? []).every(w =>
    (current?.pipelines ?? []).some(
      c => c.id === w.id && c.authorized === w.authorized,
    ),
  );
}

/**
 * `azure:pipeline:permit`: authorizes (or revokes) pipelines' use of a protected
 * resource through the pipeline permissions API. Failures fail the step.
 *
 * @public
 */
export function createPipelinePermitAction(options: AzureDevOpsActionOptions) {
  const provider = credentialsProviderOf(options);
  const action = createTemplateAction({
    id: 'azure:pipeline:permit',
    description:
      'Authorizes a pipeline (or all pipelines) to use a service connection, variable group, agent queue, environment, secure file or repository.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...organizationInputs,
        pipelineId: z =>
          z
            .union([z.string(), z.number()])
            .optional()
            .describe('The pipeline to authorize.'),
        pipelineIds: z =>
          z
            .array(z.union([z.string(), z.number()]))
            .optional()
            .describe('Several pipelines to authorize.'),
        allPipelines: z =>
          z
            .boolean()
            .optional()
            .describe('Authorize every pipeline of the project (open access).'),
        resourceType: z =>
          z
            .enum(RESOURCE_TYPES)
            .describe(`One of ${RESOURCE_TYPES.join(', ')}.`),
        resourceId: z =>
          z
            .string()
            .optional()
            .describe(
              'Resource id; for repository {projectId}.{repositoryId} or just the repository id/name.',
            ),
        resourceName: z =>
          z
            .string()
            .optional()
            .describe(
              'Resource name instead of resourceId (endpoint, variablegroup, repository).',
            ),
        authorized: z =>
          z
            .boolean()
            .optional()
            .describe('Authorize (true, default) or revoke (false).'),
        apiVersion: z =>
          z
            .string()
            .optional()
            .describe(
              'Accepted for community templates; the API is called with 7.1-preview.1.',
            ),
      },
      output: {
        resourceId: z =>
          z.string().describe('The resource id the permission was set on.'),
        changed: z =>
          z
            .boolean()
            .describe('False when the permission was already in place.'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const authorized = input.authorized ?? true;
      const ids = [
        ...(input.pipelineId !== undefined ? [input.pipelineId] : []),
        ...(input.pipelineIds ?? []),
      ]
        // In a dry run a pipeline created by an earlier step has id 0 (it was not created).
        .map(v => (ctx.isDryRun && String(v) === '0' ? 0 : parsePipelineId(v)));
      if (ids.length === 0 && input.allPipelines === undefined) {
        throw new InputError(
          'Set pipelineId (or pipelineIds), or allPipelines: true.',
        );
      }
      if (!input.resourceId && !input.resourceName) {
        throw new InputError(
          'Set resourceId or resourceName: the resource the pipeline may use.',
        );
      }
      const client = await clientFor(input, provider, options);
      const project = await client.getProject(input.project);
      const resourceId = await resolveResourceId(
        client,
        project,
        input.resourceType,
        input.resourceId,
        input.resourceName,
      );
      const want: ResourcePipelinePermissions = {
        resource: { id: resourceId, type: input.resourceType },
        pipelines: ids.map(id => ({ id, authorized })),
        ...(input.allPipelines !== undefined
          ? { allPipelines: { authorized: input.allPipelines } }
          : {}),
      };
      const what = `${input.resourceType} ${resourceId} for ${
        input.allPipelines ? 'all pipelines' : `pipeline(s) ${ids.join(', ')}`
      }`;
      if (ctx.isDryRun) {
        for (const id of ids.filter(i => i > 0))
          await client.getPipeline(project.name, id);
        const current = await getPipelinePermissions(
          client,
          project.name,
          input.resourceType,
          resourceId,
        );
        ctx.logger.info(
          satisfied(current, want)
            ? `Dry run: ${what} is already ${authorized ? 'authorized' : 'revoked'}.`
            : `Dry run: would ${authorized ? 'authorize' : 'revoke'} ${what}.`,
        );
        ctx.output('resourceId', resourceId);
        ctx.output('changed', !satisfied(current, want));
        return;
      }
      const changed = await ctx.checkpoint({
        key: `azure:pipeline:permit:${client.organizationUrl}/${project.id}/${input.resourceType}/${resourceId}/${ids.join(',')}/${input.allPipelines ?? ''}/${authorized}`.toLowerCase(),
        fn: async () => {
          const current = await getPipelinePermissions(
            client,
            project.name,
            input.resourceType,
            resourceId,
          );
          if (satisfied(current, want)) return false;
          const after = await updatePipelinePermissions(
            client,
            project.name,
            input.resourceType,
            resourceId,
            want,
          );
          if (!satisfied(after, want)) {
            throw new Error(
              `Azure DevOps accepted the permission update for ${what} but does not report it — check that the identity may administer the resource's security.`,
            );
          }
          return true;
        },
      });
      ctx.logger.info(
        changed
          ? `${authorized ? 'Authorized' : 'Revoked'} ${what}.`
          : `${what}: already in place.`,
      );
      ctx.output('resourceId', resourceId);
      ctx.output('changed', changed);
    },
  });
  return guarded(action, options, input => ({
    projects: [input.project],
    authorizeAllPipelines: input.allPipelines === true,
  }));
}
