/**
 * BackstageCatalogValidate@1: reads the inputs (and the Backstage service connection when
 * references are looked up), calls the core, turns the outcome into the task result.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task';
// The Backstage connection is read exactly as the notify task reads it (token or Entra ID).
import { backstageConnection } from '../../BackstageCatalogNotifyV1/src/connection';
import type { Reporter } from '../../shared/src/reporter';
import { runValidate, type FailOn } from '../../shared/src/validate';

const reporter: Reporter = {
  info: m => console.log(m),
  warn: m => tl.warning(m),
  error: m => tl.error(m),
  problem: p =>
    tl.logIssue(
      p.severity === 'error' ? tl.IssueType.Error : tl.IssueType.Warning,
      p.message,
      p.file,
      p.line,
      p.column,
      p.rule,
    ),
  debug: m => tl.debug(m),
  secret: v => tl.setSecret(v),
};

const list = (name: string) =>
  tl
    .getDelimitedInput(name, ',')
    .map(s => s.trim())
    .filter(Boolean);

async function run() {
  // Set first: the pipeline decorator must not validate again, whatever happens below.
  tl.setVariable('STAGEDOOR_VALIDATE_RAN', 'true');
  try {
    const failOn = (tl.getInput('failOn') || 'error') as FailOn;
    if (!['error', 'warning', 'never'].includes(failOn))
      throw new Error(
        `failOn must be error, warning or never (got '${failOn}').`,
      );
    const checkReferences = tl.getBoolInput('checkReferences');
    const result = await runValidate(
      {
        root:
          tl.getPathInput('root') ||
          tl.getVariable('Build.SourcesDirectory') ||
          process.cwd(),
        patterns: tl.getDelimitedInput('patterns', /\r?\n/),
        followLocations: tl.getInput('followLocations')
          ? tl.getBoolInput('followLocations')
          : true,
        policyFile: tl.filePathSupplied('policyFile')
          ? tl.getPathInput('policyFile')
          : undefined,
        strict: tl.getBoolInput('strict'),
        failOn,
        allowedKinds: list('allowedKinds'),
        allowedLifecycles: list('allowedLifecycles'),
        requiredTags: list('requiredTags'),
        requiredAnnotations: list('requiredAnnotations'),
        checkReferences,
        backstage:
          checkReferences && tl.getInput('backstageConnection')
            ? backstageConnection()
            : undefined,
      },
      reporter,
    );
    tl.setVariable(
      'entityCount',
      String(result.result.entities.length),
      false,
      true,
    );
    tl.setVariable('errorCount', String(result.errors), false, true);
    tl.setVariable('warningCount', String(result.warnings), false, true);
    if (result.summary) {
      const path = join(
        tl.getVariable('Agent.TempDirectory') || process.cwd(),
        'stagedoor-catalog-validation.md',
      );
      writeFileSync(path, result.summary);
      tl.uploadSummary(path);
    }
    tl.setResult(tl.TaskResult[result.outcome], result.message);
  } catch (error) {
    tl.setResult(
      tl.TaskResult.Failed,
      error instanceof Error ? error.message : String(error),
    );
  }
}

void run();
