import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTask } from '../fixtures/agent';
import { checkoutStep, expandForJob, stepsThatRun } from './decorator-template';
import {
  buildableTaskFolders,
  ensureBuilt,
  readJson,
  repoRoot,
  tempDir,
} from './helpers';

// What the organization sees in a repository without catalog files: the steps the
// decorator injects on a default-branch CI build, run by the agent harness on the bundles.
const CONNECTION_ID = '0f4c2f7e-5d1a-4c7b-9e55-3b8c1d2a6e10';
const variables = {
  'Build.Reason': 'IndividualCI',
  'Build.SourceBranch': 'refs/heads/main',
  'Build.SourceBranchName': 'main',
  'Build.SourceVersion': '3f2a9c1d5e7b8a6f4c2d1e0b9a8c7d6e5f4a3b2c',
  'Build.BuildId': '4711',
  'Build.Repository.Name': 'checkout',
  'Build.Repository.ID': '9a3bd3c4-7f1e-4d8e-b0a1-2c3d4e5f6a7b',
  'Build.Repository.Provider': 'TfsGit',
  'Build.Repository.Uri': 'https://dev.azure.com/contoso/shop/_git/checkout',
  'System.CollectionUri': 'https://dev.azure.com/contoso/',
  'System.TeamProject': 'shop',
  'System.HostType': 'build',
  'System.JobPositionInPhase': '1',
  'System.StageName': '__default',
  STAGEDOOR_BACKSTAGE_CONNECTION: CONNECTION_ID,
};

function injectedSteps() {
  const template = readFileSync(
    join(repoRoot, 'decorator/stagedoor-post-job.yml'),
    'utf8',
  );
  const planned = expandForJob(template, {
    steps: [checkoutStep('self')],
    self: { ref: 'refs/heads/main', defaultBranch: 'refs/heads/main' },
    variables,
  });
  return stepsThatRun(planned, { variables });
}

describe('the quiet no-op path (a repository without catalog files)', function () {
  this.timeout(240_000);
  const ready = new Set(buildableTaskFolders().map(t => t.folder));

  before(async function () {
    if (
      !ready.has('BackstageCatalogValidateV1') &&
      !ready.has('BackstageCatalogNotifyV1')
    )
      this.skip();
    await ensureBuilt();
  });

  for (const step of injectedSteps()) {
    const folder = `${step.task.split('@')[0]}V${step.task.split('@')[1]}`;
    it(`${step.displayName}: succeeds with one informational line, no issues, well under a second`, async function () {
      if (!ready.has(folder)) this.skip();
      const sources = tempDir('stagedoor-empty-repo-');
      writeFileSync(join(sources, 'README.md'), '# checkout\n');
      const taskJson = readJson(join(repoRoot, 'tasks', folder, 'task.json'));
      const inputs: Record<string, string> = {};
      // The agent passes every input: the step's, and task.json's defaults for the rest.
      for (const input of taskJson.inputs as {
        name: string;
        defaultValue?: string;
      }[]) {
        if (input.defaultValue !== undefined)
          inputs[input.name] = input.defaultValue.replace(
            '$(Build.SourcesDirectory)',
            sources,
          );
      }
      Object.assign(inputs, step.inputs);
      const report = join(sources, '..', `cpu-${folder}-${process.pid}.json`);
      const once = () =>
        runTask(folder, {
          env: {
            NODE_OPTIONS: `--require ${join(__dirname, 'cpu-usage-preload.cjs')}`,
            STAGEDOOR_CPU_REPORT: report,
          },
          inputs,
          variables,
          sourcesDirectory: sources,
          endpoints: {
            [CONNECTION_ID]: {
              url: 'http://127.0.0.1:9/',
              scheme: 'Token',
              parameters: {
                apitoken: 'unused-in-a-repository-without-catalog-files',
              },
              data: { authenticationMethod: 'token' },
            },
          },
          timeoutMs: 30_000,
        });
      const run = await once();
      const usage = readJson<{ cpuMs: number; uptimeMs: number }>(report);
      const context = `\n${run.stdout}\n${run.stderr}`;
      assert.equal(run.result, 'Succeeded', context);
      assert.equal(run.exitCode, 0, context);
      assert.deepEqual(run.issues, [], context);
      assert.equal(
        run.log.length,
        1,
        `expected one line, got:\n${run.log.join('\n')}`,
      );
      assert.match(run.log[0], /catalog/i);
      assert.deepEqual(
        run.summaries,
        [],
        'no summary tab for a repository without catalog files',
      );
      // The marker the decorator's conditions read must be a plain job variable: the agent
      // publishes an output variable (isOutput, or declared in task.json) only as
      // `<step>.<name>`, which a decorator cannot know.
      const marker = folder.includes('Validate')
        ? 'STAGEDOOR_VALIDATE_RAN'
        : 'STAGEDOOR_NOTIFY_RAN';
      const set = run.commands.find(
        c =>
          c.command === 'task.setvariable' && c.properties.variable === marker,
      );
      assert.equal(set?.message, 'true', `${folder} does not set ${marker}`);
      assert.notEqual(
        set?.properties.isOutput,
        'true',
        `${marker} must not be an output variable`,
      );
      const declared = (taskJson.outputVariables ?? []).map(
        (v: { name: string }) => v.name,
      );
      assert.ok(
        !declared.includes(marker),
        `${marker} must not be declared in outputVariables`,
      );
      // The task's own cost, start-up included: CPU time, because wall time on a shared
      // 2-core machine measures the other suites as much as this task. Wall time only
      // gets a generous bound.
      assert.ok(usage.cpuMs < 1000, `used ${usage.cpuMs.toFixed(0)} ms of CPU`);
      assert.ok(run.durationMs < 10_000, `took ${run.durationMs} ms`);
      console.log(
        `      ${folder}: ${usage.cpuMs.toFixed(0)} ms CPU, ${run.durationMs} ms wall`,
      );
    });
  }
});
