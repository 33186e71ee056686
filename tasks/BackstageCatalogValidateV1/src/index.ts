/**
 * BackstageCatalogValidate@1: reads the inputs (and the Backstage service connection when
 * references are looked up), calls the core, turns the outcome into the task result.
 * The core is loaded after the inputs are read, so a misconfigured step fails at once.
 */
import * as tl from 'azure-pipelines-task-lib/task';
import { backstageConnection } from '../../shared/src/pipeline/connections';
import {
  boolInput,
  fail,
  listInput,
  taskReporter,
  uploadSummary,
} from '../../shared/src/pipeline/reporter';

const FAIL_ON = ['error', 'warning', 'never'] as const;

async function run() {
  // Set first: the pipeline decorator must not validate again, whatever happens below.
  tl.setVariable('STAGEDOOR_VALIDATE_RAN', 'true');
  try {
    const failOn = (tl.getInput('failOn') ||
      'error') as (typeof FAIL_ON)[number];
    if (!FAIL_ON.includes(failOn)) {
      throw new Error(
        `failOn must be error, warning or never (got '${failOn}').`,
      );
    }
    const checkReferences = tl.getBoolInput('checkReferences');
    const options = {
      root:
        tl.getPathInput('root') ||
        tl.getVariable('Build.SourcesDirectory') ||
        process.cwd(),
      patterns: tl.getDelimitedInput('patterns', /\r?\n/),
      followLocations: boolInput('followLocations', true),
      includeTemplateSkeletons: tl.getBoolInput('includeTemplateSkeletons'),
      policyFile: tl.filePathSupplied('policyFile')
        ? tl.getPathInput('policyFile')
        : undefined,
      strict: tl.getBoolInput('strict'),
      failOn,
      allowedKinds: listInput('allowedKinds'),
      allowedLifecycles: listInput('allowedLifecycles'),
      requiredTags: listInput('requiredTags'),
      requiredAnnotations: listInput('requiredAnnotations'),
      checkReferences,
      backstage:
        checkReferences && tl.getInput('backstageConnection')
          ? backstageConnection()
          : undefined,
    };
    const { runValidate } = await import('./core.js');
    const outcome = await runValidate(options, taskReporter);
    tl.setVariable(
      'entityCount',
      String(outcome.result.entities.length),
      false,
      true,
    );
    tl.setVariable('errorCount', String(outcome.errors), false, true);
    tl.setVariable('warningCount', String(outcome.warnings), false, true);
    if (outcome.summary)
      uploadSummary('stagedoor-catalog-validation.md', outcome.summary);
    tl.setResult(tl.TaskResult[outcome.outcome], outcome.message);
  } catch (error) {
    fail(error);
  }
}

void run();
