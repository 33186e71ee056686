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
  optionalBoolInput,
  systemAccessToken,
  taskReporter,
  uploadSummary,
} from '../../shared/src/pipeline/reporter';
import { VALIDATE_DEFAULTS } from '../../shared/src/validate/defaults';
import type { PullRequestTarget } from '../../shared/src/validate/pullRequest';

const FAIL_ON = ['error', 'warning', 'never'] as const;

/** The pull request this run validates, when it is a PR build and feedback is on. */
function pullRequestTarget(): PullRequestTarget | undefined {
  if (!boolInput('pullRequestFeedback', VALIDATE_DEFAULTS.pullRequestFeedback))
    return undefined;
  if (tl.getVariable('Build.Reason') !== 'PullRequest') return undefined;
  const id = Number(tl.getVariable('System.PullRequest.PullRequestId'));
  const collectionUri = tl.getVariable('System.CollectionUri');
  const project = tl.getVariable('System.TeamProject');
  const repository =
    tl.getVariable('Build.Repository.ID') ||
    tl.getVariable('Build.Repository.Name');
  if (
    !Number.isInteger(id) ||
    id <= 0 ||
    !collectionUri ||
    !project ||
    !repository
  ) {
    tl.warning(
      'A pull-request build without System.PullRequest.PullRequestId, System.CollectionUri, System.TeamProject or Build.Repository.ID: no pull-request feedback.',
    );
    return undefined;
  }
  const buildId = tl.getVariable('Build.BuildId');
  return {
    collectionUri,
    project,
    repository,
    repositoryName: tl.getVariable('Build.Repository.Name') || undefined,
    pullRequestId: id,
    accessToken: systemAccessToken(),
    runUrl: buildId
      ? `${collectionUri.replace(/\/*$/, '/')}${encodeURIComponent(project)}/_build/results?buildId=${buildId}`
      : undefined,
    targetBranch:
      tl.getVariable('System.PullRequest.TargetBranch') || undefined,
    commit: tl.getVariable('Build.SourceVersion') || undefined,
  };
}

async function run() {
  // Set first: the pipeline decorator must not validate again, whatever happens below.
  tl.setVariable('STAGEDOOR_VALIDATE_RAN', 'true');
  try {
    // Unset inputs stay undefined: the core holds the defaults (validate/defaults.ts).
    const failOn = (tl.getInput('failOn') || undefined) as
      | (typeof FAIL_ON)[number]
      | undefined;
    if (failOn !== undefined && !FAIL_ON.includes(failOn)) {
      throw new Error(
        `failOn must be error, warning or never (got '${failOn}').`,
      );
    }
    const checkReferences = optionalBoolInput('checkReferences');
    const options = {
      root:
        tl.getPathInput('root') ||
        tl.getVariable('Build.SourcesDirectory') ||
        process.cwd(),
      patterns: tl.getDelimitedInput('patterns', /\r?\n/),
      followLocations: optionalBoolInput('followLocations'),
      includeTemplateSkeletons: optionalBoolInput('includeTemplateSkeletons'),
      policyFile: tl.filePathSupplied('policyFile')
        ? tl.getPathInput('policyFile')
        : undefined,
      strict: optionalBoolInput('strict'),
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
    const feedback = pullRequestTarget();
    const { runValidate, pullRequestFeedback } = await import('./core.js');
    const outcome = await runValidate(options, taskReporter);
    if (feedback) {
      await pullRequestFeedback(
        outcome,
        options.root,
        feedback,
        {
          backstage:
            options.backstage ??
            (tl.getInput('backstageConnection')
              ? backstageConnection()
              : undefined),
        },
        taskReporter,
      );
    }
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
