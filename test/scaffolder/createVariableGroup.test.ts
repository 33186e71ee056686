import assert from 'node:assert/strict';
import { createVariableGroupCreateAction } from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import {
  FakeAzureDevOps,
  startFakeManagedIdentityEndpoint,
} from '../fixtures/azure-devops';
import {
  ENTRA_TOKEN,
  READ_ONLY_PAT,
  bearerCredentialsProvider,
  invoke,
  patIntegrations,
  rejects,
  startFake,
} from './helpers';

describe('azure:variablegroup:create', () => {
  let fake: FakeAzureDevOps;
  beforeEach(async () => {
    fake = await startFake();
  });
  afterEach(() => fake.close());
  const action = () =>
    createVariableGroupCreateAction({ integrations: patIntegrations(fake) });
  const base = () => ({
    organizationUrl: fake.orgUrl,
    project: 'Platform',
    name: 'payments-settings',
    variables: { region: 'westeurope' },
    secretVariables: { dbPassword: 'hunter2-secret' },
  });

  it('creates a group with plain and secret variables and never logs the values', async () => {
    const { outputs, logs } = await invoke(action(), base());
    const g = fake.state.variableGroups[0];
    assert.equal(outputs.variableGroupId, String(g.id));
    assert.deepEqual(g.body.variables, {
      region: { value: 'westeurope' },
      dbPassword: { value: 'hunter2-secret', isSecret: true },
    });
    assert.ok(!logs.join('\n').includes('hunter2'));
    assert.ok(!logs.join('\n').includes('westeurope'));
    assert.match(logs.join('\n'), /secret \[dbPassword\]/);
  });

  it('reuses the group on a repeat, or fails when failIfExists is set', async () => {
    const first = await invoke(action(), base());
    const second = await invoke(action(), base());
    assert.equal(second.outputs.variableGroupId, first.outputs.variableGroupId);
    assert.equal(second.outputs.created, false);
    assert.equal(fake.state.variableGroups.length, 1);
    await rejects(
      invoke(action(), { ...base(), failIfExists: true }),
      'ConflictError',
      /already exists/,
    );
  });

  it('creates nothing in a dry run', async () => {
    const { logs } = await invoke(action(), base(), { dryRun: true });
    assert.equal(fake.state.variableGroups.length, 0);
    assert.match(
      logs.join('\n'),
      /would create variable group 'payments-settings'/,
    );
  });

  it('rejects empty or ambiguous variables, and reports conflicts and permissions from the service', async () => {
    await rejects(
      invoke(action(), { ...base(), variables: {}, secretVariables: {} }),
      'InputError',
      /at least one variable/,
    );
    await rejects(
      invoke(action(), {
        ...base(),
        variables: { a: '1' },
        secretVariables: { a: '2' },
      }),
      'InputError',
      /both plain and secret/,
    );
    fake.failNext(
      'Variablegroups_Add',
      409,
      'Variable group with name payments-settings already exists.',
      'VariableGroupExistsException',
    );
    await rejects(
      invoke(action(), base()),
      'ConflictError',
      /409/,
      /already exists/,
    );
    const ro = createVariableGroupCreateAction({
      integrations: patIntegrations(fake, READ_ONLY_PAT),
    });
    await rejects(invoke(ro, base()), 'NotAllowedError', /403/);
  });

  it('creates with Entra bearer tokens from a managed identity', async () => {
    const mi = await startFakeManagedIdentityEndpoint(ENTRA_TOKEN);
    const restore = mi.install();
    try {
      const a = createVariableGroupCreateAction({
        integrations: patIntegrations(fake),
        credentialsProvider: bearerCredentialsProvider(fake),
      });
      await invoke(a, base());
      const add = fake.requests.find(
        r => r.operationId === 'Variablegroups_Add',
      )!;
      assert.equal(add.authScheme, 'Bearer');
      assert.equal(add.status, 200);
    } finally {
      restore();
      await mi.close();
    }
  });
});
