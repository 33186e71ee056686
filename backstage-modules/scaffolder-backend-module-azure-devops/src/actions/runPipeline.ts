import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  AzureDevOpsActionOptions,
  clientFor,
  credentialsProviderOf,
  guarded,
  organizationInputs,
} from './common';
import { examples } from './runPipeline.examples';
import { RunInfo } from '../lib/client';
import { communityStatus, parsePipelineId } from '../lib/inputs';
import { sleep } from '../lib/sleep';

/**
 * `azure:pipeline:run`: queues a run on a branch with template parameters and
 * variables; optionally waits for it and fails when it does not succeed.
 *
 * @public
 */
export function createPipelineRunAction(options: AzureDevOpsActionOptions) {
  const provider = credentialsProviderOf(options);
  const action = createTemplateAction({
    id: 'azure:pipeline:run',
    description:
      'Queues a run of an Azure Pipelines pipeline, optionally waiting for its result.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...organizationInputs,
        pipelineId: z =>
          z.union([z.string(), z.number()]).describe('Pipeline id.'),
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              "Branch (or full ref) to run; default: the pipeline's default branch.",
            ),
        templateParameters: z =>
          z
            .record(z.string())
            .optional()
            .describe("Values of the YAML file's `parameters`."),
        variables: z =>
          z
            .record(
              z.union([
                z.string(),
                z.object({
                  value: z.string(),
                  isSecret: z.boolean().optional(),
                }),
              ]),
            )
            .optional()
            .describe(
              'Run variables (must be settable at queue time). Use { value, isSecret: true } with ${{ secrets.x }} for secrets; they are never logged.',
            ),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait for the run to complete (default: when pollingInterval > 0).',
            ),
        pollingInterval: z =>
          z
            .number()
            .min(0)
            .optional()
            .describe(
              'Seconds between status checks while waiting (default 10; 0 = do not wait).',
            ),
        pipelineTimeout: z =>
          z
            .number()
            .positive()
            .optional()
            .describe('Seconds to wait at most (default 3600).'),
        failIfNotSuccessful: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Fail the step when the run completes without succeeding (default true when waiting).',
            ),
      },
      output: {
        runId: z => z.string().describe('Run id.'),
        runUrl: z => z.string().describe('Web URL of the run.'),
        state: z =>
          z
            .string()
            .describe(
              'inProgress, canceling or completed (dryRun in a dry run).',
            ),
        result: z =>
          z
            .string()
            .describe('succeeded, failed, canceled, or empty while running.'),
        pipelineRunId: z =>
          z.number().describe('Run id as a number (community name).'),
        pipelineRunUrl: z =>
          z.string().describe('Same as runUrl (community name).'),
        pipelineRunStatus: z =>
          z
            .string()
            .describe(
              'Succeeded, Failed, Canceled or Unknown while running, spelled as the community module outputs it.',
            ),
        pipelineTimeoutExceeded: z =>
          z.boolean().describe('True when waiting stopped at pipelineTimeout.'),
        pipelineOutput: z =>
          z
            .record(
              z.object({
                isSecret: z.boolean().optional(),
                value: z.string().optional(),
              }),
            )
            .optional()
            .describe(
              "The run's variables as the service answers them (secret values are null) (community name).",
            ),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      // In a dry run a pipeline created by an earlier step has id 0 (it was not created).
      const pipelineId =
        ctx.isDryRun && String(input.pipelineId) === '0'
          ? 0
          : parsePipelineId(input.pipelineId);
      const wait = input.wait ?? (input.pollingInterval ?? 0) > 0;
      const intervalMs = (input.pollingInterval || 10) * 1000;
      const timeoutMs = (input.pipelineTimeout ?? 3600) * 1000;
      const failIfNotSuccessful = input.failIfNotSuccessful ?? true;
      const variables = Object.fromEntries(
        Object.entries(input.variables ?? {}).map(([k, v]) => [
          k,
          typeof v === 'string'
            ? { value: v }
            : { value: v.value, isSecret: v.isSecret },
        ]),
      );
      const client = await clientFor(input, provider, options);
      const project = await client.getProject(input.project);
      const pipeline =
        pipelineId === 0
          ? { id: 0, name: '(created by an earlier step)', folder: '', url: '' }
          : await client.getPipeline(project.name, pipelineId);
      const emit = (run: RunInfo, timedOut: boolean) => {
        ctx.output('runId', String(run.id));
        ctx.output('runUrl', run.url);
        ctx.output('state', run.state);
        ctx.output('result', run.result);
        ctx.output('pipelineRunId', run.id);
        ctx.output('pipelineRunUrl', run.url);
        ctx.output('pipelineRunStatus', communityStatus(run.result));
        ctx.output('pipelineTimeoutExceeded', timedOut);
        if (run.variables) ctx.output('pipelineOutput', run.variables);
      };
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would queue '${pipeline.name}' (id ${pipeline.id}) on ${input.branch ?? 'its default branch'} with template parameters [${Object.keys(
            input.templateParameters ?? {},
          ).join(
            ', ',
          )}] and variables [${Object.keys(variables).join(', ')}]${wait ? ', then wait' : ''}.`,
        );
        emit({ id: 0, url: pipeline.url, state: 'dryRun', result: '' }, false);
        return;
      }
      const queued = await ctx.checkpoint({
        key: `azure:pipeline:run:${client.organizationUrl}/${project.id}/${pipelineId}/${ctx.step?.id ?? ''}`.toLowerCase(),
        fn: async () => {
          const r = await client.runPipeline(project.name, pipelineId, {
            branch: input.branch,
            templateParameters: input.templateParameters,
            variables,
          });
          return { ...r };
        },
      });
      ctx.logger.info(
        `Queued run ${queued.id} of '${pipeline.name}': ${queued.url}`,
      );
      if (!wait) {
        emit(queued, false);
        return;
      }
      const deadline = Date.now() + timeoutMs;
      let run: RunInfo = queued;
      while (run.state !== 'completed' && Date.now() < deadline) {
        await sleep(
          Math.min(intervalMs, Math.max(0, deadline - Date.now())),
          ctx.signal,
          'The task was cancelled while waiting for the pipeline run.',
        );
        run = await client.getRun(project.name, pipelineId, queued.id);
        ctx.logger.info(
          `Run ${run.id}: ${run.state}${run.result ? ` (${run.result})` : ''}`,
        );
      }
      const timedOut = run.state !== 'completed';
      emit(run, timedOut);
      if (timedOut) {
        const msg = `Run ${run.id} of '${pipeline.name}' did not complete within ${timeoutMs / 1000} s (state ${run.state}): ${run.url}`;
        if (failIfNotSuccessful)
          throw new Error(`${msg} — raise pipelineTimeout or set wait: false.`);
        ctx.logger.warn(msg);
      } else if (run.result !== 'succeeded' && failIfNotSuccessful) {
        throw new Error(
          `Run ${run.id} of '${pipeline.name}' ${run.result || 'did not succeed'}: ${run.url} — open the run's logs; set failIfNotSuccessful: false to continue anyway.`,
        );
      }
    },
  });
  return guarded(action, options, input => ({ projects: [input.project] }));
}
