/**
 * The guardrails on what templates may do in Azure DevOps: read from config,
 * then applied by the real actions against the fake organization. A refused
 * call names the setting and sends no request; an allowed one goes through.
 * Also: what the actions create carries the initiator and the task (attribution).
 */
import assert from 'node:assert/strict';
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import {
  DEFAULT_GUARDRAILS,
  Guardrails,
  createPipelineCreateAction,
  createPipelinePermitAction,
  createServiceConnectionCreateAction,
  createVariableGroupCreateAction,
  readGuardrailsConfig,
} from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import { FakeAzureDevOps } from '../fixtures/azure-devops';
import { invoke, patIntegrations, rejects, startFake } from './helpers';

const TENANT = '11111111-1111-1111-1111-111111111111';
const CLIENT = '22222222-2222-2222-2222-222222222222';
const SUB = '33333333-3333-3333-3333-333333333333';

const guardrails = (scaffolder: JsonObject) =>
  readGuardrailsConfig(
    new ConfigReader({ stagedoor: { scaffolder: { guardrails: scaffolder } } }),
  );

describe('guardrails config (stagedoor.scaffolder.guardrails)', () => {
  it('defaults to every target, no sharing, no open access, no management-group scope', () => {
    const g = readGuardrailsConfig(new ConfigReader({}));
    assert.deepEqual(g, DEFAULT_GUARDRAILS);
    assert.equal(g.allowCrossProjectSharing, false);
    assert.equal(g.allowAuthorizeAllPipelines, false);
    assert.deepEqual(g.serviceConnectionScopes, [
      'subscription',
      'resourceGroup',
    ]);
  });

  it('reads targets per action, the switches, scopes and types', () => {
    const g = guardrails({
      targets: [
        {
          actions: ['azure:serviceconnection:create'],
          organizations: ['contoso'],
          projects: ['Platform'],
        },
      ],
      allowCrossProjectSharing: true,
      allowAuthorizeAllPipelines: true,
      serviceConnections: { scopes: ['managementGroup'], types: ['azurerm'] },
    });
    assert.deepEqual(g, {
      targets: [
        {
          actions: ['azure:serviceconnection:create'],
          organizations: ['contoso'],
          projects: ['Platform'],
        },
      ],
      allowCrossProjectSharing: true,
      allowAuthorizeAllPipelines: true,
      serviceConnectionScopes: ['managementGroup'],
      serviceConnectionTypes: ['azurerm'],
    });
  });

  it('refuses settings that cannot work at start-up, naming the key', () => {
    const cases: [JsonObject, RegExp][] = [
      [
        { serviceConnections: { scopes: ['tenant'] } },
        /guardrails\.serviceConnections\.scopes has 'tenant'/,
      ],
      [
        { serviceConnections: { types: ['github'] } },
        /guardrails\.serviceConnections\.types has 'github'/,
      ],
      [
        {
          targets: [
            {
              actions: ['azure:repo:push'],
              organizations: ['*'],
              projects: ['*'],
            },
          ],
        },
        /guardrails\.targets\[0\]\.actions has 'azure:repo:push'/,
      ],
      [
        { targets: [{ organizations: [], projects: ['*'] }] },
        /guardrails\.targets\[0\] needs at least one organization/,
      ],
    ];
    for (const [config, message] of cases) {
      assert.throws(() => guardrails(config), message);
    }
  });
});

describe('guardrails on the actions', () => {
  let fake: FakeAzureDevOps;
  beforeEach(async () => {
    fake = await startFake({ endpointReadyAfter: 0 });
  });
  afterEach(() => fake.close());

  const opts = (g: Guardrails) => ({
    integrations: patIntegrations(fake),
    guardrails: g,
  });
  const wif = (extra: Record<string, unknown> = {}) => ({
    organizationUrl: fake.orgUrl,
    project: 'Platform',
    name: 'payments-dev',
    tenantId: TENANT,
    clientId: CLIENT,
    subscriptionId: SUB,
    readyPollInterval: 0.01,
    ...extra,
  });
  const group = (extra: Record<string, unknown> = {}) => ({
    organizationUrl: fake.orgUrl,
    project: 'Platform',
    name: 'payments-settings',
    variables: { region: 'westeurope' },
    ...extra,
  });

  /** Asserts the call is refused with a message naming `setting`, and nothing reached the fake. */
  async function refused(p: Promise<unknown>, setting: RegExp) {
    const before = fake.requests.length;
    await rejects(p, 'NotAllowedError', setting);
    assert.equal(fake.requests.length, before, 'no request was sent');
  }

  it('allows organizations by name or host/path pattern and refuses others', async () => {
    const other = guardrails({
      targets: [{ organizations: ['fabrikam'], projects: ['*'] }],
    });
    await refused(
      invoke(createServiceConnectionCreateAction(opts(other)), wif()),
      /organization .*contoso.*stagedoor\.scaffolder\.guardrails\.targets/,
    );
    for (const pattern of ['CONTOSO', `${new URL(fake.orgUrl).host}/con*`]) {
      const g = guardrails({
        targets: [{ organizations: [pattern], projects: ['*'] }],
      });
      const { outputs } = await invoke(
        createVariableGroupCreateAction(opts(g)),
        group({ name: `group-${fake.state.variableGroups.length}` }),
      );
      assert.equal(outputs.created, true, pattern);
    }
  });

  it('allows projects by pattern and refuses the rest', async () => {
    const g = guardrails({
      targets: [{ organizations: ['contoso'], projects: ['plat*'] }],
    });
    await refused(
      invoke(
        createVariableGroupCreateAction(opts(g)),
        group({ project: 'Shared' }),
      ),
      /project 'Shared'.*guardrails\.targets\[\]\.projects/,
    );
    const { outputs } = await invoke(
      createVariableGroupCreateAction(opts(g)),
      group(),
    );
    assert.equal(outputs.created, true);
  });

  it('applies targets per action', async () => {
    const g = guardrails({
      targets: [
        {
          actions: ['azure:variablegroup:create'],
          organizations: ['*'],
          projects: ['*'],
        },
      ],
    });
    await refused(
      invoke(createServiceConnectionCreateAction(opts(g)), wif()),
      /azure:serviceconnection:create may not act in organization/,
    );
    await refused(
      invoke(createPipelineCreateAction(opts(g)), {
        organizationUrl: fake.orgUrl,
        project: 'Platform',
        name: 'payments',
        repositoryName: 'payments',
      }),
      /azure:pipeline:create may not act/,
    );
    const { outputs } = await invoke(
      createVariableGroupCreateAction(opts(g)),
      group(),
    );
    assert.equal(outputs.created, true);
  });

  it('refuses cross-project sharing by default and allows it when configured, for allowed projects only', async () => {
    await refused(
      invoke(
        createServiceConnectionCreateAction(opts(DEFAULT_GUARDRAILS)),
        wif({ shareWithProjects: ['Shared'] }),
      ),
      /guardrails\.allowCrossProjectSharing is false/,
    );
    const onlyPlatform = guardrails({
      allowCrossProjectSharing: true,
      targets: [{ organizations: ['*'], projects: ['Platform'] }],
    });
    await refused(
      invoke(
        createServiceConnectionCreateAction(opts(onlyPlatform)),
        wif({ shareWithProjects: ['Shared'] }),
      ),
      /project 'Shared'/,
    );
    await invoke(
      createServiceConnectionCreateAction(
        opts(guardrails({ allowCrossProjectSharing: true })),
      ),
      wif({ shareWithProjects: ['Shared'] }),
    );
    const endpoint = fake.state.endpoints.find(
      e => e.body.name === 'payments-dev',
    )!;
    assert.equal(endpoint.projectIds.size, 2);
  });

  it('refuses "authorize for all pipelines" by default in every action that offers it, and allows it when configured', async () => {
    await refused(
      invoke(
        createServiceConnectionCreateAction(opts(DEFAULT_GUARDRAILS)),
        wif({ authorizeAllPipelines: true }),
      ),
      /guardrails\.allowAuthorizeAllPipelines is false/,
    );
    await refused(
      invoke(
        createVariableGroupCreateAction(opts(DEFAULT_GUARDRAILS)),
        group({ authorizeAllPipelines: true }),
      ),
      /guardrails\.allowAuthorizeAllPipelines is false/,
    );
    await refused(
      invoke(createPipelinePermitAction(opts(DEFAULT_GUARDRAILS)), {
        organizationUrl: fake.orgUrl,
        project: 'Platform',
        allPipelines: true,
        resourceType: 'queue',
        resourceId: '1',
      }),
      /guardrails\.allowAuthorizeAllPipelines is false/,
    );
    const open = guardrails({ allowAuthorizeAllPipelines: true });
    const { outputs } = await invoke(
      createVariableGroupCreateAction(opts(open)),
      group({ authorizeAllPipelines: true }),
    );
    const project = fake.state.project('Platform');
    assert.deepEqual(
      fake.state.permissions.get(
        `${project.id}/variablegroup/${outputs.variableGroupId}`,
      )?.allPipelines,
      { authorized: true },
    );
  });

  it('allows only the configured service-connection scopes and types', async () => {
    await refused(
      invoke(
        createServiceConnectionCreateAction(opts(DEFAULT_GUARDRAILS)),
        wif({ scopeLevel: 'managementGroup', managementGroupId: 'mg-1' }),
      ),
      /scoped to a managementGroup: stagedoor\.scaffolder\.guardrails\.serviceConnections\.scopes allows subscription, resourceGroup/,
    );
    const subscriptionOnly = guardrails({
      serviceConnections: { scopes: ['subscription'], types: ['azurerm'] },
    });
    await refused(
      invoke(
        createServiceConnectionCreateAction(opts(subscriptionOnly)),
        wif({ scopeLevel: 'resourceGroup', resourceGroup: 'rg-1' }),
      ),
      /serviceConnections\.scopes allows subscription\./,
    );
    await refused(
      invoke(createServiceConnectionCreateAction(opts(subscriptionOnly)), {
        organizationUrl: fake.orgUrl,
        project: 'Platform',
        name: 'legacy',
        type: 'generic',
        url: 'https://example.test',
      }),
      /'generic' service connection: stagedoor\.scaffolder\.guardrails\.serviceConnections\.types allows azurerm/,
    );
    const mg = guardrails({
      serviceConnections: { scopes: ['managementGroup'] },
    });
    await invoke(
      createServiceConnectionCreateAction(opts(mg)),
      wif({ scopeLevel: 'managementGroup', managementGroupId: 'mg-1' }),
    );
    assert.equal(
      fake.state.endpoints.find(e => e.body.name === 'payments-dev')?.body.data
        .scopeLevel,
      'ManagementGroup',
    );
  });
});

describe('attribution on what the actions create', () => {
  let fake: FakeAzureDevOps;
  before(async () => {
    fake = await startFake({ endpointReadyAfter: 0 });
  });
  after(() => fake.close());

  it('writes the initiating user and the task id into the description of service connections and variable groups', async () => {
    const options = { integrations: patIntegrations(fake) };
    await invoke(createServiceConnectionCreateAction(options), {
      organizationUrl: fake.orgUrl,
      project: 'Platform',
      name: 'payments-dev',
      description: 'Payments, dev subscription.',
      tenantId: TENANT,
      clientId: CLIENT,
      subscriptionId: SUB,
      readyPollInterval: 0.01,
    });
    await invoke(createVariableGroupCreateAction(options), {
      organizationUrl: fake.orgUrl,
      project: 'Platform',
      name: 'payments-settings',
      variables: { region: 'westeurope' },
    });
    const expected =
      '[Created from Backstage by user:default/alice, scaffolder task task-1]';
    const endpoint = fake.state.endpoints.find(
      e => e.body.name === 'payments-dev',
    )!;
    assert.equal(
      endpoint.body.description,
      `Payments, dev subscription. ${expected}`,
    );
    assert.equal(
      endpoint.body.serviceEndpointProjectReferences[0].description,
      `Payments, dev subscription. ${expected}`,
    );
    const vg = fake.state.variableGroups.find(
      g => g.body.name === 'payments-settings',
    )!;
    assert.equal(vg.body.description, expected);
    assert.equal(
      vg.body.variableGroupProjectReferences[0].description,
      expected,
    );
  });
});
