import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { InputError } from '@backstage/errors';
import { Document, YAMLMap, YAMLSeq, isMap, isSeq, parseDocument } from 'yaml';
import { examples } from './addPipelineTasks.examples';

/** What the three Stagedoor tasks need. */
export interface StagedoorTaskSettings {
  entityRef: string;
  backstageConnection: string;
  azureConnection: string;
  storageAccount: string;
  containerName: string;
  defaultBranch: string;
}

/** The task names, without the major version. */
const TASKS = [
  'BackstageCatalogValidate',
  'BackstageTechDocsPublish',
  'BackstageCatalogNotify',
] as const;

function stepsFor(s: StagedoorTaskSettings): Record<string, unknown>[] {
  const onDefault = `and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/${s.defaultBranch}'))`;
  return [
    {
      task: 'BackstageCatalogValidate@1',
      displayName: 'Validate catalog-info.yaml',
      inputs: { failOn: 'error' },
    },
    {
      task: 'BackstageTechDocsPublish@1',
      displayName: 'Publish TechDocs',
      condition: onDefault,
      inputs: {
        azureSubscription: s.azureConnection,
        storageAccount: s.storageAccount,
        containerName: s.containerName,
        entityRef: s.entityRef,
      },
    },
    {
      task: 'BackstageCatalogNotify@1',
      displayName: 'Notify Backstage',
      condition: onDefault,
      inputs: { backstageConnection: s.backstageConnection },
    },
  ];
}

/**
 * The `steps` list the tasks go to: the top-level one, else the last job's
 * (`jobs`), else the last job of the last stage (`stages`).
 */
function stepsOf(doc: Document): YAMLSeq | undefined {
  const root = doc.contents;
  if (!isMap(root)) return undefined;
  const direct = root.get('steps');
  if (isSeq(direct)) return direct;
  const lastJobSteps = (jobs: unknown) => {
    if (!isSeq(jobs)) return undefined;
    const job = jobs.items[jobs.items.length - 1];
    const steps = isMap(job) ? job.get('steps') : undefined;
    return isSeq(steps) ? steps : undefined;
  };
  const fromJobs = lastJobSteps(root.get('jobs'));
  if (fromJobs) return fromJobs;
  const stages = root.get('stages');
  if (isSeq(stages)) {
    const stage = stages.items[stages.items.length - 1];
    if (isMap(stage)) return lastJobSteps(stage.get('jobs'));
  }
  return undefined;
}

/**
 * Adds the Stagedoor tasks that are missing to a pipeline file, through the
 * `yaml` document API so comments, order and layout of the rest survive.
 * Returns the new text and the tasks added.
 */
export function addStagedoorTasks(
  text: string,
  settings: StagedoorTaskSettings,
): { text: string; added: string[] } {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new InputError(
      `The pipeline file is not valid YAML: ${doc.errors[0].message}`,
    );
  }
  const steps = stepsOf(doc);
  if (!steps) {
    throw new InputError(
      'The pipeline file has no steps list (top-level steps, jobs[].steps or stages[].jobs[].steps) to add the Stagedoor tasks to; add them by hand.',
    );
  }
  const present = new Set(
    steps.items
      .map(item => (isMap(item) ? String(item.get('task') ?? '') : ''))
      .map(task => task.split('@')[0]),
  );
  const added: string[] = [];
  const wanted = stepsFor(settings);
  TASKS.forEach((name, i) => {
    if (present.has(name)) return;
    const node = doc.createNode(wanted[i]) as YAMLMap;
    if (added.length === 0)
      node.commentBefore = ' Added by Backstage (Stagedoor onboarding)';
    steps.items.push(node);
    added.push(name);
  });
  return { text: added.length ? doc.toString() : text, added };
}

/** A new pipeline file with the Stagedoor tasks, for repositories without one. */
export function newPipelineFile(settings: StagedoorTaskSettings): string {
  const doc = new Document({
    trigger: { branches: { include: [settings.defaultBranch] } },
    pool: { vmImage: 'ubuntu-latest' },
    steps: stepsFor(settings),
  });
  doc.commentBefore =
    ' Validates the catalog entry, publishes TechDocs and notifies Backstage. Created by the Stagedoor onboarding template.';
  return doc.toString();
}

/**
 * `stagedoor:pipeline:add-tasks`: puts the three Stagedoor tasks into a
 * pipeline file in the workspace — edited in place (comments kept), or written
 * new when there is none. Workspace only: no call to Azure DevOps.
 *
 * @public
 */
export function createPipelineAddTasksAction() {
  return createTemplateAction({
    id: 'stagedoor:pipeline:add-tasks',
    description:
      'Adds BackstageCatalogValidate, BackstageTechDocsPublish and BackstageCatalogNotify to a pipeline file in the workspace, keeping its comments; writes a new file when there is none.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        path: z =>
          z
            .string()
            .describe(
              'Pipeline file in the workspace, e.g. repo/azure-pipelines.yml.',
            ),
        entityRef: z =>
          z.string().describe('The entity whose TechDocs are published.'),
        backstageConnection: z =>
          z
            .string()
            .optional()
            .describe(
              'Backstage (Stagedoor) service connection (default backstage).',
            ),
        azureConnection: z =>
          z
            .string()
            .optional()
            .describe(
              'Azure Resource Manager connection to the TechDocs storage (default techdocs-storage).',
            ),
        storageAccount: z => z.string().describe('TechDocs storage account.'),
        containerName: z =>
          z
            .string()
            .optional()
            .describe('TechDocs container (default techdocs).'),
        defaultBranch: z =>
          z
            .string()
            .optional()
            .describe(
              'Branch on which docs are published and Backstage notified (default main).',
            ),
      },
      output: {
        created: z =>
          z
            .boolean()
            .describe('True when the file did not exist and was written new.'),
        added: z =>
          z
            .array(z.string())
            .describe('The tasks added (none when all were there).'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const file = resolveSafeChildPath(ctx.workspacePath, input.path);
      const settings: StagedoorTaskSettings = {
        entityRef: input.entityRef,
        backstageConnection: input.backstageConnection ?? 'backstage',
        azureConnection: input.azureConnection ?? 'techdocs-storage',
        storageAccount: input.storageAccount,
        containerName: input.containerName ?? 'techdocs',
        defaultBranch: (input.defaultBranch ?? 'main').replace(
          /^refs\/heads\//,
          '',
        ),
      };
      let before: string | undefined;
      try {
        before = await fs.readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      if (before === undefined) {
        await fs.mkdir(dirname(file), { recursive: true });
        await fs.writeFile(file, newPipelineFile(settings));
        ctx.logger.info(`Wrote ${input.path} with the three Stagedoor tasks.`);
        ctx.output('created', true);
        ctx.output('added', [...TASKS]);
        return;
      }
      const { text, added } = addStagedoorTasks(before, settings);
      if (added.length) await fs.writeFile(file, text);
      ctx.logger.info(
        added.length
          ? `Added ${added.join(', ')} to ${input.path}.`
          : `${input.path} already has the Stagedoor tasks.`,
      );
      ctx.output('created', false);
      ctx.output('added', added);
    },
  });
}
