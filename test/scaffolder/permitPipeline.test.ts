import assert from 'node:assert/strict';
import {
  createPipelineCreateAction,
  createPipelinePermitAction,
  createServiceConnectionCreateAction,
  createVariableGroupCreateAction,
} from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import {
  FakeAzureDevOps,
  startFakeManagedIdentityEndpoint,
} from '../fixtures/azure-devops';
import {
  ENTRA_TOKEN,
  OPEN_GUARDRAILS,
  READ_ONLY_PAT,
  bearerCredentialsProvider,
  invoke,
  operations,
  patIntegrations,
  rejects,
  startFake,
} from './helpers';

describe('azure:pipeline:permit', () => {
  let fake: FakeAzureDevOps;
  let pipelineId: string;
  let endpointId: string;
  beforeEach(async () => {
    fake = await startFake({ endpointReadyAfter: 0 });
    const integrations = patIntegrations(fake);
    const org = { organizationUrl: fake.orgUrl, project: 'Platform' };
    pipelineId = String(
      (
        await invoke(createPipelineCreateAction({ integrations }), {
          ...org,
          repositoryName: 'payments',
          name: 'payments-api',
        })
      ).outputs.pipelineId,
    );
    endpointId = String(
      (
        await invoke(createServiceConnectionCreateAction({ integrations }), {
          ...org,
          name: 'backstage',
          type: 'backstage',
          url: 'https://backstage.example',
          apiToken: 't0ken',
        })
      ).outputs.serviceConnectionId,
    );
    await invoke(createVariableGroupCreateAction({ integrations }), {
      ...org,
      name: 'settings',
      variables: { a: '1' },
    });
  });
  afterEach(() => fake.close());

  const permit = () =>
    createPipelinePermitAction({
      integrations: patIntegrations(fake),
      guardrails: OPEN_GUARDRAILS,
    });
  const base = () => ({
    organizationUrl: fake.orgUrl,
    project: 'Platform',
    pipelineId,
  });
  const stored = (type: string, id: string) => {
    const project = fake.state.project('Platform');
    return fake.state.permissions.get(
      `${project.id}/${type}/${id}`.toLowerCase(),
    );
  };

  it('authorizes a pipeline for a service connection named by its name', async () => {
    const { outputs } = await invoke(permit(), {
      ...base(),
      resourceType: 'endpoint',
      resourceName: 'backstage',
    });
    assert.equal(outputs.resourceId, endpointId);
    assert.equal(outputs.changed, true);
    assert.equal(
      stored('endpoint', endpointId)?.pipelines.get(Number(pipelineId)),
      true,
    );
    const patch = fake.requests.find(r => r.method === 'PATCH')!;
    assert.equal(patch.apiVersion, '7.1-preview.1');
  });

  it('changes nothing on a repeat', async () => {
    await invoke(permit(), {
      ...base(),
      resourceType: 'endpoint',
      resourceId: endpointId,
    });
    const before = fake.requests.length;
    const { outputs } = await invoke(permit(), {
      ...base(),
      resourceType: 'endpoint',
      resourceId: endpointId,
    });
    assert.equal(outputs.changed, false);
    assert.ok(!fake.requests.slice(before).some(r => r.method === 'PATCH'));
  });

  it('builds {projectId}.{repositoryId} for repositories and can open a resource to all pipelines', async () => {
    const { outputs } = await invoke(permit(), {
      organizationUrl: fake.orgUrl,
      project: 'Platform',
      allPipelines: true,
      resourceType: 'repository',
      resourceName: 'pipeline-templates',
    });
    const project = fake.state.project('Platform');
    const repo = fake.state.repository(project, 'pipeline-templates');
    assert.equal(outputs.resourceId, `${project.id}.${repo.id}`);
    assert.deepEqual(
      stored('repository', `${project.id}.${repo.id}`)?.allPipelines,
      { authorized: true },
    );
  });

  it('authorizes a variable group by name and revokes with authorized: false', async () => {
    const granted = await invoke(permit(), {
      ...base(),
      resourceType: 'variablegroup',
      resourceName: 'settings',
    });
    const id = String(granted.outputs.resourceId);
    assert.equal(
      stored('variablegroup', id)?.pipelines.get(Number(pipelineId)),
      true,
    );
    await invoke(permit(), {
      ...base(),
      resourceType: 'variablegroup',
      resourceId: id,
      authorized: false,
    });
    assert.equal(
      stored('variablegroup', id)?.pipelines.get(Number(pipelineId)),
      false,
    );
  });

  it('accepts the community inputs (queue ids as given)', async () => {
    const { outputs } = await invoke(permit(), {
      ...base(),
      resourceType: 'queue',
      resourceId: '12',
      authorized: true,
      apiVersion: '7.1-preview.1',
    });
    assert.equal(outputs.changed, true);
  });

  it('writes nothing in a dry run', async () => {
    const before = fake.requests.length;
    const { logs } = await invoke(
      permit(),
      { ...base(), resourceType: 'endpoint', resourceName: 'backstage' },
      { dryRun: true },
    );
    assert.ok(fake.requests.slice(before).every(r => r.method !== 'PATCH'));
    assert.match(logs.join('\n'), /would authorize endpoint/);
    // A pipeline "created" earlier in the same dry run has id 0.
    await invoke(
      permit(),
      {
        ...base(),
        pipelineId: '0',
        resourceType: 'endpoint',
        resourceName: 'backstage',
      },
      { dryRun: true },
    );
  });

  it('fails (never only warns) on unknown pipelines, resources and missing permissions', async () => {
    await rejects(
      invoke(permit(), {
        ...base(),
        pipelineId: '999',
        resourceType: 'endpoint',
        resourceId: endpointId,
      }),
      'NotFoundError',
      /404/,
      /Pipeline with id 999/,
    );
    await rejects(
      invoke(permit(), {
        ...base(),
        resourceType: 'endpoint',
        resourceName: 'nope',
      }),
      'NotFoundError',
      /nope/,
    );
    await rejects(
      invoke(permit(), {
        ...base(),
        resourceType: 'endpoint',
        resourceId: '8d1f6a52-0000-4000-8000-000000000000',
      }),
      'NotFoundError',
      /could not be found/,
    );
    const readOnly = createPipelinePermitAction({
      integrations: patIntegrations(fake, READ_ONLY_PAT),
    });
    await rejects(
      invoke(readOnly, {
        ...base(),
        resourceType: 'endpoint',
        resourceId: endpointId,
      }),
      'NotAllowedError',
      /403/,
    );
  });

  it('rejects input that names no pipeline or no resource', async () => {
    await rejects(
      invoke(permit(), {
        organizationUrl: fake.orgUrl,
        project: 'Platform',
        resourceType: 'endpoint',
        resourceId: endpointId,
      }),
      'InputError',
      /pipelineId/,
    );
    await rejects(
      invoke(permit(), { ...base(), resourceType: 'endpoint' }),
      'InputError',
      /resourceId or resourceName/,
    );
  });

  it('authorizes with Entra bearer tokens from a managed identity', async () => {
    const mi = await startFakeManagedIdentityEndpoint(ENTRA_TOKEN);
    const restore = mi.install();
    try {
      const before = fake.requests.length;
      const action = createPipelinePermitAction({
        integrations: patIntegrations(fake),
        credentialsProvider: bearerCredentialsProvider(fake),
      });
      await invoke(action, {
        ...base(),
        resourceType: 'endpoint',
        resourceId: endpointId,
      });
      const writes = fake.requests
        .slice(before)
        .filter(r => r.method === 'PATCH');
      assert.equal(writes.length, 1);
      assert.equal(writes[0].authScheme, 'Bearer');
      assert.ok(
        operations(fake, before).includes(
          'Pipeline Permissions_Update Pipeline Permisions For Resource',
        ),
      );
    } finally {
      restore();
      await mi.close();
    }
  });
});
