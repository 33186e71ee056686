/**
 * Drop-in compatibility with @backstage-community/plugin-scaffolder-backend-module-azure-devops:
 * its documented examples (the `examples` exports of the installed package, read
 * from its files because its package `exports` only expose the module) run
 * against Stagedoor's actions on the fake Azure DevOps, with only the
 * placeholder values (organization, host, ids, token) pointed at the fake; and
 * both modules in one real backend.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import selfsigned from 'selfsigned';
import yaml from 'yaml';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import stagedoorAzureDevOps, {
  createPipelineCreateAction,
  createPipelinePermitAction,
  createPipelineRunAction,
  createServiceConnectionCreateAction,
  createVariableGroupCreateAction,
} from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import { FakeAzureDevOps } from '../fixtures/azure-devops';
import { ENTRA_TOKEN, invoke, patIntegrations, startFake } from './helpers';

const COMMUNITY =
  '@backstage-community/plugin-scaffolder-backend-module-azure-devops';
const communityDir = dirname(require.resolve(`${COMMUNITY}/package.json`));

/** The community module's `examples` export of one action file. */
function communityExamples(
  file: string,
): { description: string; steps: any[] }[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(communityDir, 'dist', 'actions', file));
  return mod.examples.map((e: { description: string; example: string }) => ({
    description: e.description,
    steps: yaml.parse(e.example).steps,
  }));
}

describe('community module compatibility', function () {
  this.timeout(180_000);
  let fake: FakeAzureDevOps;
  let tlsBefore: string | undefined;
  let actions: Record<string, TemplateAction<any, any, any>>;
  const ids = { endpoint: '', variablegroup: '', repository: '', pipeline: '' };

  before(async () => {
    // The community inputs name a host and build https:// URLs; the fake speaks
    // TLS with a throw-away certificate on loopback.
    tlsBefore = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const pems = await selfsigned.generate(
      [{ name: 'commonName', value: '127.0.0.1' }],
      { keySize: 2048 },
    );
    fake = await startFake({
      tls: { key: pems.private, cert: pems.cert },
      runPolls: 1,
    });
    const options = { integrations: patIntegrations(fake) };
    actions = {
      'azure:pipeline:create': createPipelineCreateAction(options),
      'azure:pipeline:run': createPipelineRunAction(options),
      'azure:pipeline:permit': createPipelinePermitAction(options),
    };
    const base = { organizationUrl: fake.orgUrl, project: 'Platform' };
    ids.endpoint = String(
      (
        await invoke(createServiceConnectionCreateAction(options), {
          ...base,
          name: 'docker-registry',
          type: 'generic',
          url: 'https://example.test',
          readyPollInterval: 0.01,
        })
      ).outputs.serviceConnectionId,
    );
    ids.variablegroup = String(
      (
        await invoke(createVariableGroupCreateAction(options), {
          ...base,
          name: 'settings',
          variables: { region: 'westeurope' },
        })
      ).outputs.variableGroupId,
    );
    ids.repository = fake.state.project('Platform').repositories[0].id;
    ids.pipeline = String(
      (
        await invoke(actions['azure:pipeline:create'], {
          ...base,
          name: 'existing',
          repositoryName: 'payments',
        })
      ).outputs.pipelineId,
    );
  });
  after(async () => {
    await fake?.close();
    if (tlsBefore === undefined)
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = tlsBefore;
  });

  /**
   * The example's input with its placeholders pointed at the fake: every input
   * name is kept, and values that name things (organization, host, project,
   * ids, token, `${{ steps.… }}`) become the fake's.
   */
  function aimed(
    input: Record<string, any>,
    outputs: Record<string, unknown>,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = { ...input };
    out.organization = 'contoso';
    out.host = new URL(fake.baseUrl).host;
    out.project = 'Platform';
    if ('repository' in out) out.repository = 'payments';
    if ('token' in out) out.token = ENTRA_TOKEN;
    if ('pipelineId' in out) {
      const ref = /steps\.\w+\.output\.(\w+)/.exec(String(out.pipelineId));
      out.pipelineId = ref ? outputs[ref[1]] : ids.pipeline;
    }
    if ('resourceId' in out) {
      out.resourceId = ids[out.resourceType as 'endpoint'];
    }
    if ('branch' in out) out.branch = 'main';
    return out;
  }

  const examples = [
    ...communityExamples('devopsRunPipeline.examples.cjs.js'),
    ...communityExamples('devopsPermitPipeline.examples.cjs.js'),
  ];

  it('reads the examples of the installed community module', () => {
    assert.ok(examples.length >= 14, `got ${examples.length} examples`);
  });

  for (const example of examples) {
    it(`runs unchanged: ${example.description}`, async () => {
      const outputs: Record<string, unknown> = {};
      for (const step of example.steps) {
        const action = actions[step.action];
        assert.ok(action, `Stagedoor registers ${step.action}`);
        const runsBefore = fake.state.runs.length;
        // invoke() fails on any input name the action's schema does not declare.
        const result = await invoke(action, aimed(step.input, outputs));
        Object.assign(outputs, result.outputs);
        if (step.action === 'azure:pipeline:run') {
          const run = fake.state.runs[runsBefore];
          assert.equal(result.outputs.pipelineRunId, run.id);
          assert.match(
            String(result.outputs.pipelineRunUrl),
            /_build\/results\?buildId=\d+/,
          );
          assert.equal(result.outputs.pipelineTimeoutExceeded, false);
          const waited = (step.input.pollingInterval ?? 0) > 0;
          assert.equal(
            result.outputs.pipelineRunStatus,
            waited ? 'Succeeded' : 'Unknown',
          );
          assert.deepEqual(
            Object.keys(run.templateParameters),
            Object.keys(step.input.templateParameters ?? {}),
          );
          if (step.input.token) {
            const queued = fake.requests.filter(
              r => r.operationId === 'Runs_Run Pipeline',
            );
            assert.equal(queued[queued.length - 1].authScheme, 'Bearer');
          }
        }
        if (step.action === 'azure:pipeline:create') {
          const p = fake.state.pipelines.find(
            x => String(x.id) === result.outputs.pipelineId,
          );
          assert.equal(p?.name, step.input.pipelineName);
          assert.equal(p?.path, `/${step.input.pipelineYamlFile}`);
          assert.match(String(result.outputs.pipelineUrl), /definitionId=/);
        }
        if (step.action === 'azure:pipeline:permit') {
          const project = fake.state.project('Platform');
          const resourceId =
            step.input.resourceType === 'repository'
              ? `${project.id}.${ids.repository}`
              : ids[step.input.resourceType as 'endpoint'];
          const stored = fake.state.permissions.get(
            `${project.id}/${step.input.resourceType}/${resourceId}`.toLowerCase(),
          );
          const pipelineId = Number(aimed(step.input, outputs).pipelineId);
          assert.equal(
            stored?.pipelines.get(pipelineId),
            step.input.authorized,
          );
        }
      }
    });
  }

  describe('both modules in one backend', () => {
    const features = (data: Record<string, unknown>) => [
      scaffolderPlugin,
      stagedoorAzureDevOps,
      import(COMMUNITY),
      mockServices.rootConfig.factory({
        data: {
          backend: { baseUrl: 'http://localhost:0' },
          ...data,
        },
      }),
    ];

    it('fails at start-up with a message naming the fix unless registerCommunityActionIds is false', async () => {
      await assert.rejects(
        startTestBackend({ features: features({}) }),
        /the scaffolder module 'azure-devops' \(@backstage-community\/plugin-scaffolder-backend-module-azure-devops\) are installed.*Remove one of the two backend\.add\(\.\.\.\) lines.*registerCommunityActionIds: false/,
      );
    });

    it('starts with registerCommunityActionIds: false; the community module serves the shared ids, Stagedoor the rest', async () => {
      const backend = await startTestBackend({
        features: features({
          stagedoor: { scaffolder: { registerCommunityActionIds: false } },
        }),
      });
      try {
        const res = await fetch(
          `http://localhost:${backend.server.port()}/api/scaffolder/v2/actions`,
          { headers: { authorization: mockCredentials.user.header() } },
        );
        assert.equal(res.status, 200, await res.clone().text());
        const list = (await res.json()) as {
          id: string;
          description: string;
        }[];
        const byId = new Map(list.map(a => [a.id, a]));
        for (const id of [
          'azure:serviceconnection:create',
          'azure:variablegroup:create',
          'azure:pipeline:create',
          'azure:pipeline:run',
          'azure:pipeline:permit',
          'azure:pr:create',
          'azure:repository:clone',
          'azure:repository:push',
        ])
          assert.ok(byId.has(id), `${id} is registered`);
        assert.equal(
          byId.get('azure:pipeline:create')?.description,
          'Creates a pipeline definition in Azure DevOps from a YAML file.',
          'the community module serves azure:pipeline:create',
        );
      } finally {
        await backend.stop();
      }
    });
  });
});
