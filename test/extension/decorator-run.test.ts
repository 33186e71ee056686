import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTask } from '../fixtures/agent';
import {
  TemplateStep,
  checkoutStep,
  expandForJob,
  stepsThatRun,
} from './decorator-template';
import {
  buildableTaskFolders,
  ensureBuilt,
  readJson,
  repoRoot,
  tempDir,
} from './helpers';

// A repository whose catalog file is broken, run through the validate step the decorator
// injects: warnings-only by default (the job goes on), failing in strict mode.
const variables = {
  'Build.Reason': 'IndividualCI',
  'Build.SourceBranch': 'refs/heads/feature/x',
  'System.HostType': 'build',
  'System.JobPositionInPhase': '1',
  'System.StageName': '__default',
};

function validateStep(extra: Record<string, string>): TemplateStep {
  const template = readFileSync(
    join(repoRoot, 'decorator/stagedoor-post-job.yml'),
    'utf8',
  );
  const all = { ...variables, ...extra };
  const planned = expandForJob(template, {
    steps: [checkoutStep('self')],
    self: { ref: 'refs/heads/feature/x', defaultBranch: 'refs/heads/main' },
    variables: all,
  });
  const [step] = stepsThatRun(planned, { variables: all });
  assert.ok(
    step?.task.startsWith('BackstageCatalogValidate@'),
    'the decorator runs validate',
  );
  return step;
}

/** The job result the agent derives from a step's result and its continueOnError. */
function jobOutcome(step: TemplateStep, result: string | undefined): string {
  if (result === 'Failed' && step.continueOnError) return 'SucceededWithIssues';
  return result ?? 'Failed';
}

describe('the decorator in a repository with a broken catalog file', function () {
  this.timeout(120_000);
  let sources: string;

  before(async function () {
    if (
      !buildableTaskFolders().some(
        t => t.folder === 'BackstageCatalogValidateV1',
      )
    )
      this.skip();
    await ensureBuilt();
    sources = tempDir('stagedoor-broken-repo-');
    writeFileSync(
      join(sources, 'catalog-info.yaml'),
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not A Valid Name\nspec:\n  type: service\n',
    );
  });

  async function run(step: TemplateStep) {
    const taskJson = readJson(
      join(repoRoot, 'tasks/BackstageCatalogValidateV1/task.json'),
    );
    const inputs: Record<string, string> = {};
    for (const input of taskJson.inputs as {
      name: string;
      defaultValue?: string;
    }[]) {
      if (input.defaultValue !== undefined) {
        inputs[input.name] = input.defaultValue.replace(
          '$(Build.SourcesDirectory)',
          sources,
        );
      }
    }
    Object.assign(inputs, step.inputs);
    return runTask('BackstageCatalogValidateV1', {
      inputs,
      variables,
      sourcesDirectory: sources,
      timeoutMs: 30_000,
    });
  }

  it('reports the problem on its line and leaves the job running by default', async () => {
    const step = validateStep({});
    const result = await run(step);
    assert.ok(result.issues.length > 0, result.stdout);
    assert.equal(result.issues[0].properties.sourcepath, 'catalog-info.yaml');
    assert.ok(Number(result.issues[0].properties.linenumber) >= 1);
    assert.notEqual(
      jobOutcome(step, result.result),
      'Failed',
      `job would fail:\n${result.stdout}`,
    );
  });

  it('fails the job once the repository opts into STAGEDOOR_STRICT', async () => {
    const step = validateStep({ STAGEDOOR_STRICT: 'true' });
    const result = await run(step);
    assert.equal(jobOutcome(step, result.result), 'Failed', result.stdout);
  });
});
