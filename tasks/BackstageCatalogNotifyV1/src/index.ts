/**
 * BackstageCatalogNotify@1: reads inputs and service connections, runs the notify
 * core, and turns its result into issues, output variables, a summary and the task result.
 * The core is loaded after the inputs are read, so a misconfigured step fails at once.
 */
import * as tl from 'azure-pipelines-task-lib/task';
import { backstageConnection } from '../../shared/src/pipeline/connections';
import {
  fail,
  listInput,
  optionalBoolInput,
  systemAccessToken,
  taskReporter,
  uploadSummary,
} from '../../shared/src/pipeline/reporter';

async function run() {
  // A job variable (not a step output): the decorator checks it to avoid running twice.
  tl.setVariable('STAGEDOOR_NOTIFY_RAN', 'true');
  try {
    const connection = backstageConnection();
    // Unset inputs stay undefined: normalizeNotifyOptions holds the defaults.
    const timeoutSeconds = tl.getInput('timeoutSeconds');
    const inputs = {
      mode: (tl.getInput('mode') || undefined) as
        | 'push'
        | 'refresh'
        | undefined,
      connection,
      rootDirectory:
        tl.getPathInput('rootDirectory') ||
        tl.getVariable('Build.SourcesDirectory') ||
        process.cwd(),
      catalogFiles: listInput('catalogFiles'),
      includeTemplateSkeletons: optionalBoolInput('includeTemplateSkeletons'),
      waitForProcessing: optionalBoolInput('waitForProcessing'),
      timeoutSeconds: timeoutSeconds ? Number(timeoutSeconds) : undefined,
      failOnProcessingErrors: optionalBoolInput('failOnProcessingErrors'),
      branchFilter: tl.getInput('branchFilter') || undefined,
      runOnPullRequests: optionalBoolInput('runOnPullRequests'),
      dryRun: optionalBoolInput('dryRun'),
      removeWhenNoFiles: optionalBoolInput('removeWhenNoFiles'),
      appBaseUrl: tl.getInput('appBaseUrl') || undefined,
    };
    const {
      normalizeNotifyOptions,
      renderSummary,
      runNotify,
      sourceFromVariables,
    } = await import('./core.js');
    const source = sourceFromVariables(name => tl.getVariable(name));
    source.systemAccessToken = systemAccessToken();
    const options = normalizeNotifyOptions({ ...inputs, source });
    const result = await runNotify(options, taskReporter);
    if (result.status === 'no-files' || result.status === 'skipped') {
      tl.setResult(tl.TaskResult.Succeeded, result.message);
      return;
    }
    if (result.status === 'failed') {
      // No outputs from a failed run: later steps must not act on entities that are not there.
      tl.setResult(tl.TaskResult.Failed, result.message);
      return;
    }
    const output = (name: string, value: string) =>
      tl.setVariable(name, value, false, true);
    output('entityRefs', result.entities.map(e => e.ref).join(','));
    output('entityUrls', result.entities.map(e => e.url).join(','));
    if (result.sourceKey) output('sourceKey', result.sourceKey);
    output(
      'changed',
      String(
        result.added.length + result.updated.length + result.removed.length > 0,
      ),
    );
    uploadSummary(
      `backstage-catalog-${Date.now()}.md`,
      renderSummary(result, options.appBaseUrl ?? options.connection.url),
    );
    tl.setResult(
      result.status === 'warnings'
        ? tl.TaskResult.SucceededWithIssues
        : tl.TaskResult.Succeeded,
      result.message,
    );
  } catch (error) {
    fail(error);
  }
}

void run();
