import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { ConflictError, InputError } from '@backstage/errors';
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
import { examples } from './createVariableGroup.examples';
import { parsePipelineId } from '../lib/inputs';
import { updatePipelinePermissions } from '../lib/permissions';

/**
 * `azure:variablegroup:create`: a Library variable group with plain and secret
 * variables. Secret values come from the template's `secrets` and are never logged.
 *
 * @public
 */
export function createVariableGroupCreateAction(
  options: AzureDevOpsActionOptions,
) {
  const provider = credentialsProviderOf(options);
  const action = createTemplateAction({
    id: 'azure:variablegroup:create',
    description:
      'Creates an Azure Pipelines variable group with plain and secret variables.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...organizationInputs,
        name: z =>
          z
            .string()
            .min(1)
            .describe('Variable group name (unique in the project).'),
        description: z => z.string().optional().describe('Description.'),
        variables: z =>
          z.record(z.string()).optional().describe('Plain variables.'),
        secretVariables: z =>
          z
            .record(z.string())
            .optional()
            .describe(
              'Secret variables; pass values from ${{ secrets.x }}. Never logged.',
            ),
        authorizeAllPipelines: z =>
          z
            .boolean()
            .optional()
            .describe('Let every pipeline use the group (default false).'),
        authorizePipelineIds: z =>
          z
            .array(z.union([z.string(), z.number()]))
            .optional()
            .describe('Pipelines allowed to use the group.'),
        failIfExists: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Fail when a group with this name exists (default: reuse it, unchanged).',
            ),
      },
      output: {
        variableGroupId: z => z.string().describe('Variable group id.'),
        created: z =>
          z.boolean().describe('False when an existing group was reused.'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const plain = input.variables ?? {};
      const secret = input.secretVariables ?? {};
      const clash = Object.keys(plain).filter(k => k in secret);
      if (clash.length)
        throw new InputError(
          `Variables ${clash.join(', ')} are both plain and secret; keep each in one list.`,
        );
      if (Object.keys(plain).length + Object.keys(secret).length === 0) {
        throw new InputError(
          'A variable group needs at least one variable: set variables or secretVariables.',
        );
      }
      const pipelineIds = (input.authorizePipelineIds ?? []).map(v =>
        parsePipelineId(v, 'authorizePipelineIds'),
      );
      const client = await clientFor(input, provider, options);
      const project = await client.getProject(input.project);
      const description = attributed(
        input.description,
        attributionOf(await initiatorOf(ctx), ctx.task.id),
      );
      const existing = await client.findVariableGroup(project.name, input.name);
      if (existing && input.failIfExists) {
        throw new ConflictError(
          `Variable group '${input.name}' already exists in ${project.name} (id ${existing.id}) and failIfExists is set — choose another name.`,
        );
      }
      // Only names reach the log; values (secret or not) never do.
      const names = `[${Object.keys(plain).join(', ')}] and secret [${Object.keys(secret).join(', ')}]`;
      if (ctx.isDryRun) {
        ctx.logger.info(
          existing
            ? `Dry run: variable group '${input.name}' exists (id ${existing.id}); it would be reused unchanged.`
            : `Dry run: would create variable group '${input.name}' in ${project.name} with variables ${names}.`,
        );
        ctx.output('variableGroupId', existing?.id ? String(existing.id) : '0');
        ctx.output('created', !existing);
        return;
      }
      const key =
        `azure:variablegroup:create:${client.organizationUrl}/${project.id}/${input.name}`.toLowerCase();
      const result = await ctx.checkpoint({
        key,
        fn: async () => {
          const found = await client.findVariableGroup(
            project.name,
            input.name,
          );
          if (found?.id) return { id: found.id, created: false };
          const g = await client.addVariableGroup({
            name: input.name,
            description,
            type: 'Vsts',
            variables: {
              ...Object.fromEntries(
                Object.entries(plain).map(([k, v]) => [k, { value: v }]),
              ),
              ...Object.fromEntries(
                Object.entries(secret).map(([k, v]) => [
                  k,
                  { value: v, isSecret: true },
                ]),
              ),
            },
            variableGroupProjectReferences: [
              {
                name: input.name,
                description,
                projectReference: { id: project.id, name: project.name },
              },
            ],
          });
          return { id: g.id!, created: true };
        },
      });
      ctx.logger.info(
        `${result.created ? 'Created' : 'Reusing'} variable group '${input.name}' (id ${result.id}) with variables ${names}.`,
      );
      if (input.authorizeAllPipelines || pipelineIds.length > 0) {
        await ctx.checkpoint({
          key: `${key}:permit:${input.authorizeAllPipelines ?? false}:${pipelineIds.join(',')}`,
          fn: async () => {
            await updatePipelinePermissions(
              client,
              project.name,
              'variablegroup',
              String(result.id),
              {
                resource: { id: String(result.id), type: 'variablegroup' },
                pipelines: pipelineIds.map(id => ({ id, authorized: true })),
                ...(input.authorizeAllPipelines
                  ? { allPipelines: { authorized: true } }
                  : {}),
              },
            );
          },
        });
      }
      ctx.output('variableGroupId', String(result.id));
      ctx.output('created', result.created);
    },
  });
  return guarded(action, options, input => ({
    projects: [input.project],
    authorizeAllPipelines: input.authorizeAllPipelines === true,
  }));
}
