import assert from 'node:assert/strict';
import {
  createPipelineCreateAction,
  createServiceConnectionCreateAction,
} from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import {
  FakeAzureDevOps,
  startFakeManagedIdentityEndpoint,
} from '../fixtures/azure-devops';
import { FakeAzureDevOpsOptions } from '../fixtures/azure-devops';
import {
  ENTRA_TOKEN,
  OPEN_GUARDRAILS,
  OUTSIDER_PAT,
  bearerCredentialsProvider,
  invoke,
  operations,
  patIntegrations,
  rejects,
  startFake,
} from './helpers';

const TENANT = '11111111-1111-1111-1111-111111111111';
const CLIENT = '22222222-2222-2222-2222-222222222222';
const SUB = '33333333-3333-3333-3333-333333333333';

describe('azure:serviceconnection:create', () => {
  let fake: FakeAzureDevOps;
  const setUp = async (o: FakeAzureDevOpsOptions = {}) => {
    fake = await startFake(o);
  };
  afterEach(() => fake?.close());
  const action = () =>
    createServiceConnectionCreateAction({
      integrations: patIntegrations(fake),
      guardrails: OPEN_GUARDRAILS,
    });
  const wif = () => ({
    organizationUrl: fake.orgUrl,
    project: 'Platform',
    name: 'payments-dev',
    tenantId: TENANT,
    clientId: CLIENT,
    subscriptionId: SUB,
    subscriptionName: 'Payments Dev',
    readyPollInterval: 0.01,
  });
  const created = () =>
    fake.requests.filter(r => r.operationId === 'Endpoints_Create');

  it('creates a workload-identity ARM connection, waits until ready, and outputs issuer and subject from the response', async () => {
    await setUp({ endpointReadyAfter: 2 });
    const { outputs } = await invoke(action(), wif());
    const body = created()[0].body;
    assert.equal(body.type, 'azurerm');
    assert.equal(body.authorization.scheme, 'WorkloadIdentityFederation');
    assert.deepEqual(body.authorization.parameters, {
      tenantid: TENANT,
      serviceprincipalid: CLIENT,
    });
    assert.equal(body.data.scopeLevel, 'Subscription');
    assert.equal(body.data.creationMode, 'Manual');
    const stored = fake.state.endpoints[0].body.authorization.parameters;
    assert.equal(
      outputs.workloadIdentityFederationIssuer,
      stored.workloadIdentityFederationIssuer,
    );
    assert.equal(
      outputs.workloadIdentityFederationSubject,
      stored.workloadIdentityFederationSubject,
    );
    assert.equal(
      outputs.workloadIdentityFederationSubject,
      'sc://contoso/Platform/payments-dev',
    );
    assert.equal(outputs.serviceConnectionId, fake.state.endpoints[0].id);
    assert.equal(
      operations(fake).filter(o => o === 'Endpoints_Get').length,
      3,
      'polled until isReady',
    );
  });

  it('scopes to a resource group or a management group', async () => {
    await setUp();
    await invoke(action(), {
      ...wif(),
      name: 'rg',
      scopeLevel: 'resourceGroup',
      resourceGroup: 'rg-payments',
    });
    assert.equal(
      created()[0].body.authorization.parameters.scope,
      `/subscriptions/${SUB}/resourcegroups/rg-payments`,
    );
    await invoke(action(), {
      ...wif(),
      name: 'mg',
      scopeLevel: 'managementGroup',
      subscriptionId: undefined,
      managementGroupId: 'mg-platform',
    });
    assert.deepEqual(
      [
        created()[1].body.data.scopeLevel,
        created()[1].body.data.managementGroupId,
      ],
      ['ManagementGroup', 'mg-platform'],
    );
  });

  it('shares with other projects and authorizes pipelines', async () => {
    await setUp();
    const pipelineId = (
      await invoke(
        createPipelineCreateAction({ integrations: patIntegrations(fake) }),
        {
          organizationUrl: fake.orgUrl,
          project: 'Platform',
          repositoryName: 'payments',
          name: 'p',
        },
      )
    ).outputs.pipelineId;
    await invoke(action(), {
      ...wif(),
      shareWithProjects: ['Shared'],
      authorizePipelineIds: [String(pipelineId)],
    });
    const e = fake.state.endpoints[0];
    assert.ok(e.projectIds.has(fake.state.project('Shared').id));
    const perm = fake.state.permissions.get(
      `${fake.state.project('Platform').id}/endpoint/${e.id}`,
    );
    assert.equal(perm?.pipelines.get(Number(pipelineId)), true);
  });

  it('reuses an existing connection on a repeat, or fails when failIfExists is set', async () => {
    await setUp();
    const first = await invoke(action(), wif());
    const second = await invoke(action(), wif());
    assert.equal(
      second.outputs.serviceConnectionId,
      first.outputs.serviceConnectionId,
    );
    assert.equal(second.outputs.created, false);
    assert.equal(
      second.outputs.workloadIdentityFederationSubject,
      first.outputs.workloadIdentityFederationSubject,
    );
    assert.equal(created().length, 1);
    await rejects(
      invoke(action(), { ...wif(), failIfExists: true }),
      'ConflictError',
      /already exists/,
    );
  });

  it('creates nothing in a dry run', async () => {
    await setUp();
    const { logs } = await invoke(
      action(),
      { ...wif(), shareWithProjects: ['Shared'] },
      { dryRun: true },
    );
    assert.equal(fake.state.endpoints.length, 0);
    assert.ok(
      fake.requests.every(r => r.method === 'GET' || r.method === 'OPTIONS'),
    );
    assert.match(
      logs.join('\n'),
      /would create azurerm service connection 'payments-dev' in Platform, share it with Shared/,
    );
  });

  it('rejects incomplete input before writing anything', async () => {
    await setUp();
    await rejects(
      invoke(action(), { ...wif(), tenantId: undefined }),
      'InputError',
      /tenantId/,
    );
    await rejects(
      invoke(action(), { ...wif(), scopeLevel: 'resourceGroup' }),
      'InputError',
      /resourceGroup/,
    );
    await rejects(
      invoke(action(), {
        ...wif(),
        type: 'backstage',
        url: 'https://b.example',
      }),
      'InputError',
      /apiToken/,
    );
    assert.ok(fake.requests.every(r => r.method !== 'POST'));
  });

  it('keeps Backstage tokens and generic passwords out of the log', async () => {
    await setUp();
    const b = await invoke(action(), {
      organizationUrl: fake.orgUrl,
      project: 'Platform',
      name: 'backstage',
      type: 'backstage',
      url: 'https://b.example',
      apiToken: 'very-secret-token',
      readyPollInterval: 0.01,
    });
    const g = await invoke(action(), {
      organizationUrl: fake.orgUrl,
      project: 'Platform',
      name: 'generic',
      type: 'generic',
      url: 'https://x.example',
      username: 'u',
      password: 'very-secret-password',
      readyPollInterval: 0.01,
    });
    const all = [...b.logs, ...g.logs].join('\n');
    assert.ok(!all.includes('very-secret'), all);
    assert.equal(created()[0].body.authorization.scheme, 'Token');
  });

  it('fails when the connection is not ready in time, and on conflicts and membership errors', async () => {
    await setUp({ endpointReadyAfter: 1_000_000 });
    await rejects(
      invoke(action(), { ...wif(), readyTimeout: 0.1 }),
      'Error',
      /not ready within 0.1 s/,
    );
    fake.failNext(
      'Endpoints_Create',
      409,
      'A service connection with the name already exists.',
      'DuplicateServiceConnectionException',
    );
    await rejects(
      invoke(action(), { ...wif(), name: 'other' }),
      'ConflictError',
      /409/,
    );
    const outsider = createServiceConnectionCreateAction({
      integrations: patIntegrations(fake, OUTSIDER_PAT),
    });
    await rejects(invoke(outsider, wif()), 'AuthenticationError', /TF401444/);
  });

  it('creates with Entra bearer tokens from a managed identity', async () => {
    await setUp();
    const mi = await startFakeManagedIdentityEndpoint(ENTRA_TOKEN);
    const restore = mi.install();
    try {
      const a = createServiceConnectionCreateAction({
        integrations: patIntegrations(fake),
        credentialsProvider: bearerCredentialsProvider(fake),
      });
      await invoke(a, wif());
      assert.equal(created()[0].authScheme, 'Bearer');
    } finally {
      restore();
      await mi.close();
    }
  });
});
