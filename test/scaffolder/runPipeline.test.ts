import assert from 'node:assert/strict';
import {
  createPipelineCreateAction,
  createPipelineRunAction,
} from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import {
  FakeAzureDevOps,
  startFakeManagedIdentityEndpoint,
} from '../fixtures/azure-devops';
import { FakeAzureDevOpsOptions } from '../fixtures/azure-devops';
import {
  ENTRA_TOKEN,
  bearerCredentialsProvider,
  invoke,
  operations,
  patIntegrations,
  rejects,
  startFake,
} from './helpers';

describe('azure:pipeline:run', () => {
  let fake: FakeAzureDevOps;
  let pipelineId: string;
  const setUp = async (options: FakeAzureDevOpsOptions = {}) => {
    fake = await startFake(options);
    const create = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    const { outputs } = await invoke(create, {
      organizationUrl: fake.orgUrl,
      project: 'Platform',
      repositoryName: 'payments',
      name: 'payments-api',
    });
    pipelineId = String(outputs.pipelineId);
  };
  afterEach(() => fake?.close());

  const run = () =>
    createPipelineRunAction({ integrations: patIntegrations(fake) });
  const base = () => ({
    organizationUrl: fake.orgUrl,
    project: 'Platform',
    pipelineId,
  });

  it('queues a run on a branch with template parameters and variables, without waiting', async () => {
    await setUp();
    const { outputs, logs } = await invoke(run(), {
      ...base(),
      branch: 'feature/x',
      templateParameters: { environment: 'dev' },
      variables: {
        plain: 'v1',
        token: { value: 's3cr3t-value', isSecret: true },
      },
    });
    const r = fake.state.runs[0];
    assert.equal(r.refName, 'refs/heads/feature/x');
    assert.deepEqual(r.templateParameters, { environment: 'dev' });
    assert.deepEqual(r.variables, {
      plain: { value: 'v1' },
      token: { value: 's3cr3t-value', isSecret: true },
    });
    assert.deepEqual(
      [outputs.runId, outputs.state, outputs.result, outputs.pipelineRunId],
      [String(r.id), 'inProgress', '', r.id],
    );
    assert.equal(outputs.pipelineRunStatus, 'Unknown');
    assert.deepEqual(outputs.pipelineOutput, {
      plain: { value: 'v1' },
      token: { isSecret: true },
    });
    assert.match(String(outputs.runUrl), /_build\/results\?buildId=/);
    assert.ok(
      !logs.join('\n').includes('s3cr3t-value'),
      'secret values never reach the log',
    );
  });

  it('waits for the run and outputs its result as strings', async () => {
    await setUp({ runPolls: 3 });
    const { outputs } = await invoke(run(), {
      ...base(),
      pollingInterval: 0.01,
      pipelineTimeout: 30,
    });
    assert.deepEqual(
      [
        outputs.state,
        outputs.result,
        outputs.pipelineRunStatus,
        outputs.pipelineTimeoutExceeded,
      ],
      ['completed', 'succeeded', 'Succeeded', false],
    );
    assert.equal(operations(fake).filter(o => o === 'Runs_Get').length, 3);
  });

  it('fails the step when the awaited run fails', async () => {
    await setUp({ runOutcome: () => 'failed' });
    await rejects(
      invoke(run(), { ...base(), wait: true, pollingInterval: 0.01 }),
      'Error',
      /failed/,
      /logs/,
    );
  });

  it('reports a failed run without failing when failIfNotSuccessful is false', async () => {
    await setUp({ runOutcome: () => 'failed' });
    const { outputs } = await invoke(run(), {
      ...base(),
      pollingInterval: 0.01,
      failIfNotSuccessful: false,
    });
    assert.equal(outputs.result, 'failed');
  });

  it('stops waiting at pipelineTimeout and says so', async () => {
    await setUp({ runPolls: 1_000_000 });
    await rejects(
      invoke(run(), { ...base(), pollingInterval: 0.02, pipelineTimeout: 0.2 }),
      'Error',
      /did not complete within 0.2 s/,
    );
  });

  it('queues only once when a task is retried after the checkpoint', async () => {
    await setUp();
    const checkpoints = new Map<string, unknown>();
    const first = await invoke(run(), base(), { checkpoints });
    const second = await invoke(run(), base(), { checkpoints });
    assert.equal(second.outputs.runId, first.outputs.runId);
    assert.equal(fake.state.runs.length, 1);
  });

  it('queues nothing in a dry run but checks the pipeline exists', async () => {
    await setUp();
    const before = fake.requests.length;
    const { outputs, logs } = await invoke(
      run(),
      { ...base(), branch: 'main' },
      { dryRun: true },
    );
    assert.equal(fake.state.runs.length, 0);
    assert.ok(operations(fake, before).includes('Pipelines_Get'));
    assert.equal(outputs.state, 'dryRun');
    assert.match(logs.join('\n'), /would queue 'payments-api'/);
    // A pipeline "created" by an earlier step of the same dry run has id 0.
    const chained = await invoke(
      run(),
      { ...base(), pipelineId: '0' },
      { dryRun: true },
    );
    assert.equal(chained.outputs.state, 'dryRun');
  });

  it('explains an unknown pipeline and a bad pipeline id', async () => {
    await setUp();
    await rejects(
      invoke(run(), { ...base(), pipelineId: '999' }),
      'NotFoundError',
      /404/,
      /999/,
    );
    await rejects(
      invoke(run(), { ...base(), pipelineId: 'abc' }),
      'InputError',
      /pipelineId must be a positive integer/,
    );
  });

  it('queues with Entra bearer tokens from a managed identity', async () => {
    await setUp();
    const mi = await startFakeManagedIdentityEndpoint(ENTRA_TOKEN);
    const restore = mi.install();
    try {
      const before = fake.requests.length;
      const action = createPipelineRunAction({
        integrations: patIntegrations(fake),
        credentialsProvider: bearerCredentialsProvider(fake),
      });
      await invoke(action, base());
      const runs = fake.requests
        .slice(before)
        .filter(r => r.operationId === 'Runs_Run Pipeline');
      assert.equal(runs.length, 1);
      assert.equal(runs[0].authScheme, 'Bearer');
    } finally {
      restore();
      await mi.close();
    }
  });
});
