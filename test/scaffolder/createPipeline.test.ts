import assert from 'node:assert/strict';
import net from 'node:net';
import { createPipelineCreateAction } from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import {
  FakeAzureDevOps,
  startFakeManagedIdentityEndpoint,
} from '../fixtures/azure-devops';
import {
  ENTRA_TOKEN,
  OUTSIDER_PAT,
  READ_ONLY_PAT,
  bearerCredentialsProvider,
  invoke,
  operations,
  patIntegrations,
  rejects,
  startFake,
} from './helpers';

describe('azure:pipeline:create', () => {
  let fake: FakeAzureDevOps;
  beforeEach(async () => {
    fake = await startFake();
  });
  afterEach(() => fake.close());

  const base = (f: FakeAzureDevOps) => ({
    organizationUrl: f.orgUrl,
    project: 'Platform',
    repositoryName: 'payments',
    name: 'payments-api',
    folder: 'services/payments',
  });

  it('creates a YAML pipeline in a folder and outputs its id and web URL', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    const { outputs } = await invoke(action, base(fake));
    assert.equal(fake.state.pipelines.length, 1);
    const p = fake.state.pipelines[0];
    assert.deepEqual(
      { name: p.name, folder: p.folder, path: p.path },
      {
        name: 'payments-api',
        folder: '\\services\\payments',
        path: '/azure-pipelines.yml',
      },
    );
    assert.equal(outputs.pipelineId, String(p.id));
    assert.match(
      String(outputs.pipelineUrl),
      /_build\/definition\?definitionId=\d+$/,
    );
    assert.equal(outputs.created, true);
    assert.ok(
      fake.requests
        .filter(r => r.operationId)
        .every(r => r.authScheme === 'Basic' && r.status < 400),
    );
  });

  it('returns the existing pipeline on a repeat instead of creating a second one', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    const first = await invoke(action, base(fake));
    const second = await invoke(action, {
      ...base(fake),
      folder: '\\Services\\Payments\\',
    });
    assert.equal(second.outputs.pipelineId, first.outputs.pipelineId);
    assert.equal(second.outputs.created, false);
    assert.equal(
      operations(fake).filter(o => o === 'Pipelines_Create').length,
      1,
    );
  });

  it('does not create twice when a task is retried after the checkpoint', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    const checkpoints = new Map<string, unknown>();
    await invoke(action, base(fake), { checkpoints });
    const before = fake.requests.length;
    const again = await invoke(action, base(fake), { checkpoints });
    assert.equal(
      again.outputs.created,
      true,
      'the checkpointed result is replayed',
    );
    assert.ok(!operations(fake, before).includes('Pipelines_Create'));
  });

  it('fails on an existing name when failIfExists is set', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    await invoke(action, base(fake));
    await rejects(
      invoke(action, { ...base(fake), failIfExists: true }),
      'ConflictError',
      /already exists/,
    );
  });

  it('accepts the community module input names', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    const host = new URL(fake.baseUrl).host;
    // organization + host builds https://…; the fake speaks http, so this asks for the URL only.
    await rejects(
      invoke(action, {
        organization: 'contoso',
        host,
        project: 'Platform',
        repository: 'payments',
        pipelineName: 'x',
        pipelineYamlFile: 'ci.yml',
        pipelineFolder: 'a',
      }),
      'Error',
      /Could not reach Azure DevOps at https:\/\/127\.0\.0\.1/,
    );
    const { outputs } = await invoke(action, {
      organizationUrl: fake.orgUrl,
      project: 'Platform',
      repository: 'payments',
      pipelineName: 'community',
      pipelineYamlFile: 'ci.yml',
      pipelineFolder: 'team-a',
      branch: 'main',
    });
    const p = fake.state.pipelines.find(
      x => String(x.id) === outputs.pipelineId,
    )!;
    assert.deepEqual(
      [p.name, p.folder, p.path],
      ['community', '\\team-a', '/ci.yml'],
    );
  });

  it('only reads in a dry run and says what it would create', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    const { outputs, logs } = await invoke(action, base(fake), {
      dryRun: true,
    });
    assert.equal(fake.state.pipelines.length, 0);
    assert.ok(
      fake.requests.every(r => r.method === 'GET' || r.method === 'OPTIONS'),
    );
    assert.match(
      logs.join('\n'),
      /would create pipeline 'payments-api' in '\\services\\payments'/,
    );
    assert.equal(outputs.pipelineId, '0');
  });

  it('explains a missing repository with Azure DevOps’ message and what to check', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    await rejects(
      invoke(action, { ...base(fake), repositoryName: 'nope' }),
      'NotFoundError',
      /TF401019/,
      /check/,
    );
  });

  it('explains a missing project', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    await rejects(
      invoke(action, { ...base(fake), project: 'Nope' }),
      'NotFoundError',
      /404/,
      /TF200016/,
    );
  });

  it('explains a rejected personal access token', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake, 'expired-pat'),
    });
    await rejects(
      invoke(action, base(fake)),
      'AuthenticationError',
      /401/,
      /integrations\.azure/,
    );
  });

  it('explains an identity that is not a member of the organization (TF401444)', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake, OUTSIDER_PAT),
    });
    await rejects(
      invoke(action, base(fake)),
      'AuthenticationError',
      /TF401444/,
      /not a member of the organization/,
    );
  });

  it('explains missing permissions on write', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake, READ_ONLY_PAT),
    });
    await rejects(
      invoke(action, base(fake)),
      'NotAllowedError',
      /403/,
      /permissions/,
    );
  });

  it('reports a service failure with its status', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    fake.failNext('Pipelines_Create', 503, 'The service is unavailable.');
    await rejects(
      invoke(action, base(fake)),
      'Error',
      /503/,
      /service is unavailable/,
      /retrying/,
    );
  });

  it('rejects input without a name or a repository before calling Azure DevOps', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    await rejects(
      invoke(action, { ...base(fake), name: undefined }),
      'InputError',
      /name/,
    );
    await rejects(
      invoke(action, { ...base(fake), repositoryName: undefined }),
      'InputError',
      /repositoryName/,
    );
    assert.equal(fake.requests.length, 0);
  });

  it('says which integration is missing when there are no credentials for the host', async () => {
    const action = createPipelineCreateAction({
      integrations: patIntegrations(fake),
    });
    await rejects(
      invoke(action, {
        ...base(fake),
        organizationUrl: 'https://ado.example.test/DefaultCollection',
      }),
      'InputError',
      /No Azure DevOps credentials .*ado\.example\.test/,
    );
  });

  it('gives up on a server that never answers, within the configured timeout', async () => {
    // Accepts connections and never answers.
    const silent = net.createServer(() => undefined);
    await new Promise<void>(r => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const integrations = patIntegrations({
        ...fake,
        baseUrl: `http://127.0.0.1:${port}`,
      });
      const action = createPipelineCreateAction({
        integrations,
        timeoutMs: 300,
      });
      const started = Date.now();
      await rejects(
        invoke(action, {
          ...base(fake),
          organizationUrl: `http://127.0.0.1:${port}/contoso`,
        }),
        'Error',
        /Could not reach Azure DevOps/,
      );
      assert.ok(
        Date.now() - started < 15_000,
        'bounded by timeout and retries',
      );
    } finally {
      silent.close();
    }
  });

  it('uses Entra bearer tokens from a managed identity', async () => {
    const mi = await startFakeManagedIdentityEndpoint(ENTRA_TOKEN);
    const restore = mi.install();
    try {
      const action = createPipelineCreateAction({
        integrations: patIntegrations(fake),
        credentialsProvider: bearerCredentialsProvider(fake),
      });
      const { outputs } = await invoke(action, base(fake));
      assert.equal(outputs.created, true);
      const authed = fake.requests.filter(r => r.operationId);
      assert.ok(
        authed.length > 0 && authed.every(r => r.authScheme === 'Bearer'),
      );
      assert.ok(mi.requests >= 1);
    } finally {
      restore();
      await mi.close();
    }
  });
});
