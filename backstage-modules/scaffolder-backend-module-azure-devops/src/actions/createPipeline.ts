import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { ConflictError, InputError } from '@backstage/errors';
import {
  AzureDevOpsActionOptions,
  clientFor,
  credentialsProviderOf,
  guarded,
  normalizeFolder,
  organizationInputs,
} from './common';
import { examples } from './createPipeline.examples';

/**
 * `azure:pipeline:create`: a YAML pipeline for a repository path, in a folder.
 * Idempotent: a pipeline with the same name in the same folder is returned.
 *
 * @public
 */
export function createPipelineCreateAction(options: AzureDevOpsActionOptions) {
  const provider = credentialsProviderOf(options);
  const action = createTemplateAction({
    id: 'azure:pipeline:create',
    description:
      'Creates a YAML pipeline in Azure Pipelines for a repository, or returns the existing one with the same name and folder.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...organizationInputs,
        name: z => z.string().optional().describe('Pipeline name.'),
        pipelineName: z =>
          z.string().optional().describe('Alias of name (community).'),
        folder: z =>
          z
            .string()
            .optional()
            .describe('Pipeline folder, e.g. \\services (default: root).'),
        pipelineFolder: z =>
          z.string().optional().describe('Alias of folder (community).'),
        repositoryId: z =>
          z.string().optional().describe('Azure Repos repository id.'),
        repositoryName: z =>
          z
            .string()
            .optional()
            .describe('Azure Repos repository name (instead of repositoryId).'),
        repository: z =>
          z
            .string()
            .optional()
            .describe('Alias of repositoryName (community).'),
        yamlPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Path of the pipeline file in the repository (default /azure-pipelines.yml).',
            ),
        pipelineYamlFile: z =>
          z.string().optional().describe('Alias of yamlPath (community).'),
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              'Accepted for community templates; the Pipelines API builds the default branch, set it in the repository.',
            ),
        pipelineAgentPoolName: z =>
          z
            .string()
            .optional()
            .describe(
              'Accepted for community templates; the pool comes from the YAML file.',
            ),
        failIfExists: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Fail when a pipeline with this name already exists in the folder (default false).',
            ),
      },
      output: {
        pipelineId: z => z.string().describe('Pipeline (definition) id.'),
        pipelineUrl: z => z.string().describe('Web URL of the pipeline.'),
        created: z =>
          z.boolean().describe('False when an existing pipeline was returned.'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const name = input.name ?? input.pipelineName;
      if (!name)
        throw new InputError(
          'Set name (or pipelineName): the pipeline needs a name.',
        );
      const repoRef =
        input.repositoryId ?? input.repositoryName ?? input.repository;
      if (!repoRef) {
        throw new InputError(
          'Set repositoryName (or repositoryId/repository): the repository that holds the pipeline file.',
        );
      }
      const folder = normalizeFolder(input.folder ?? input.pipelineFolder);
      let yamlPath =
        input.yamlPath ?? input.pipelineYamlFile ?? '/azure-pipelines.yml';
      if (!yamlPath.startsWith('/')) yamlPath = `/${yamlPath}`;
      const client = await clientFor(input, provider, options);
      const project = await client.getProject(input.project);
      let repo: { id: string; name: string };
      try {
        repo = await client.getRepository(project.name, repoRef);
      } catch (e) {
        // In a dry run, publish:azure (no dry-run support) has not created the
        // repository; everything else is still checked.
        if (!ctx.isDryRun || (e as Error).name !== 'NotFoundError') throw e;
        ctx.logger.info(
          `Dry run: repository '${repoRef}' does not exist yet; an earlier step is expected to create it.`,
        );
        repo = { id: '', name: repoRef };
      }
      const existing = await client.findPipeline(project.name, name, folder);
      if (existing && input.failIfExists) {
        throw new ConflictError(
          `Pipeline '${name}' already exists in folder '${folder}' (id ${existing.id}, ${existing.url}) and failIfExists is set — pick another name or folder.`,
        );
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          existing
            ? `Dry run: pipeline '${name}' exists in '${folder}' (id ${existing.id}); it would be reused.`
            : `Dry run: would create pipeline '${name}' in '${folder}' of ${project.name} for ${repo.name}:${yamlPath}.`,
        );
        ctx.output('pipelineId', existing ? String(existing.id) : '0');
        ctx.output('pipelineUrl', existing?.url ?? '');
        ctx.output('created', !existing);
        return;
      }
      const result = await ctx.checkpoint({
        key: `azure:pipeline:create:${client.organizationUrl}/${project.id}/${folder}/${name}`.toLowerCase(),
        fn: async () => {
          const found = await client.findPipeline(project.name, name, folder);
          if (found) return { id: found.id, url: found.url, created: false };
          const p = await client.createPipeline(project.name, {
            name,
            folder,
            path: yamlPath,
            repositoryId: repo.id,
          });
          return { id: p.id, url: p.url, created: true };
        },
      });
      ctx.logger.info(
        result.created
          ? `Created pipeline '${name}' (id ${result.id}): ${result.url}`
          : `Pipeline '${name}' already exists in '${folder}' (id ${result.id}); reusing it: ${result.url}`,
      );
      ctx.output('pipelineId', String(result.id));
      ctx.output('pipelineUrl', result.url);
      ctx.output('created', result.created);
    },
  });
  return guarded(action, options, input => ({ projects: [input.project] }));
}
