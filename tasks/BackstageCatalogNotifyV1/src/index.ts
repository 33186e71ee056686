/**
 * BackstageCatalogNotify@1: reads inputs and service connections, runs the notify
 * core, and turns its result into issues, output variables, a summary and the task result.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task';
import type { Reporter } from '../../shared/src/reporter';
import {
  normalizeNotifyOptions,
  renderSummary,
  runNotify,
  sourceFromVariables,
} from '../../shared/src/notify';
import { backstageConnection } from './connection';

const reporter: Reporter = {
  info: m => console.log(m),
  warn: m => tl.warning(m),
  error: m => tl.error(m),
  problem: p =>
    tl.logIssue(
      p.severity === 'error' ? tl.IssueType.Error : tl.IssueType.Warning,
      `${p.message} (${p.rule})`,
      p.file,
      p.line,
      p.column,
    ),
  debug: m => tl.debug(m),
  secret: v => tl.setSecret(v),
};

async function run() {
  // A job variable (not a step output): the decorator checks it to avoid running twice.
  tl.setVariable('STAGEDOOR_NOTIFY_RAN', 'true');
  try {
    const source = sourceFromVariables(name => tl.getVariable(name));
    source.systemAccessToken =
      tl.getVariable('System.AccessToken') ||
      tl.getEndpointAuthorizationParameter(
        'SYSTEMVSSCONNECTION',
        'AccessToken',
        true,
      );
    const options = normalizeNotifyOptions({
      mode: (tl.getInput('mode') || 'push') as 'push' | 'refresh',
      connection: backstageConnection(),
      rootDirectory:
        tl.getPathInput('rootDirectory') ||
        tl.getVariable('Build.SourcesDirectory') ||
        process.cwd(),
      catalogFiles: (tl.getInput('catalogFiles') ?? '')
        .split(/[\n,]/)
        .map(s => s.trim())
        .filter(Boolean),
      source,
      waitForProcessing: tl.getInput('waitForProcessing')
        ? tl.getBoolInput('waitForProcessing')
        : true,
      timeoutSeconds: Number(tl.getInput('timeoutSeconds') || '300'),
      failOnProcessingErrors: tl.getInput('failOnProcessingErrors')
        ? tl.getBoolInput('failOnProcessingErrors')
        : true,
      branchFilter: tl.getInput('branchFilter') || 'default',
      runOnPullRequests: tl.getBoolInput('runOnPullRequests'),
      dryRun: tl.getBoolInput('dryRun'),
      appBaseUrl: tl.getInput('appBaseUrl') || undefined,
    });
    const result = await runNotify(options, reporter);
    if (result.status === 'no-files' || result.status === 'skipped') {
      tl.setResult(tl.TaskResult.Succeeded, result.message);
      return;
    }
    const verdict = {
      succeeded: tl.TaskResult.Succeeded,
      warnings: tl.TaskResult.SucceededWithIssues,
      failed: tl.TaskResult.Failed,
    };
    if (result.status === 'failed') {
      // No outputs from a failed run: later steps must not act on entities that are not there.
      tl.setResult(verdict.failed, result.message);
      return;
    }
    tl.setVariable(
      'entityRefs',
      result.entities.map(e => e.ref).join(','),
      false,
      true,
    );
    tl.setVariable(
      'entityUrls',
      result.entities.map(e => e.url).join(','),
      false,
      true,
    );
    if (result.sourceKey)
      tl.setVariable('sourceKey', result.sourceKey, false, true);
    tl.setVariable(
      'changed',
      String(
        result.added.length + result.updated.length + result.removed.length > 0,
      ),
      false,
      true,
    );
    const summary = join(
      tl.getVariable('Agent.TempDirectory') || process.cwd(),
      `backstage-catalog-${Date.now()}.md`,
    );
    writeFileSync(
      summary,
      renderSummary(result, options.appBaseUrl ?? options.connection.url),
    );
    tl.uploadSummary(summary);
    tl.setResult(verdict[result.status], result.message);
  } catch (error) {
    tl.setResult(
      tl.TaskResult.Failed,
      error instanceof Error ? error.message : String(error),
    );
  }
}

void run();
