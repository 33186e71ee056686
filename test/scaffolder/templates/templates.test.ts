/**
 * The three example templates, end to end through a real backend: catalog
 * (with the Template kind), scaffolder, the Stagedoor module, against the fake
 * Azure DevOps over TLS. `POST /v2/dry-run` runs the templates exactly as
 * shipped (publish:azure and catalog:register do not support dry run and are
 * skipped by the scaffolder); `POST /v2/tasks` runs a variant whose
 * publish:azure step is replaced by a test action (see fakePublish.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import selfsigned from 'selfsigned';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import publishAzureModule from '@backstage/plugin-scaffolder-backend-module-azure';
import stagedoorAzureDevOps from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { validateCatalogFiles } from '@stagedoor/common';
import { createServiceConnectionCreateAction } from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import { FakeAzureDevOps } from '../../fixtures/azure-devops';
import { runTask } from '../../fixtures/agent';
import { PAT, invoke, patIntegrations, startFake } from '../helpers';
import { FAKE_PUBLISH_ACTION, fakePublishModule } from './fakePublish';

const TEMPLATES = path.resolve(
  __dirname,
  '../../../backstage-modules/backend/examples/templates',
);
const auth = {
  authorization: mockCredentials.user.header('user:default/alice'),
};

function readTree(
  dir: string,
  base = dir,
): { path: string; base64Content: string }[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const full = path.join(dir, e.name);
    return e.isDirectory()
      ? readTree(full, base)
      : [
          {
            path: path.relative(base, full),
            base64Content: fs.readFileSync(full).toString('base64'),
          },
        ];
  });
}

describe('example templates through the real scaffolder', function () {
  this.timeout(180_000);
  let fake: FakeAzureDevOps;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let api: string;
  let host: string;
  let variantsDir: string;
  let tlsBefore: string | undefined;

  before(async () => {
    // The fake speaks TLS with a throw-away certificate (the actions and the
    // catalog's URL reader build https:// URLs from a host); loopback only.
    tlsBefore = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const pems = await selfsigned.generate(
      [{ name: 'commonName', value: '127.0.0.1' }],
      { keySize: 2048 },
    );
    fake = await startFake({
      tls: { key: pems.private, cert: pems.cert },
      projects: [{ name: 'Platform' }],
    });
    host = new URL(fake.baseUrl).host;
    // The connections the service templates authorize their pipelines for.
    const create = createServiceConnectionCreateAction({
      integrations: patIntegrations(fake),
    });
    for (const name of ['backstage', 'techdocs-storage']) {
      await invoke(create, {
        organizationUrl: fake.orgUrl,
        project: 'Platform',
        name,
        type: 'generic',
        url: 'https://example.test',
        readyPollInterval: 0.01,
      });
    }

    variantsDir = fs.mkdtempSync(
      path.join(os.tmpdir(), 'stagedoor-templates-'),
    );
    const locations = [];
    for (const name of [
      'dotnet-microservice',
      'nodejs-service',
      'team-service-connection',
    ]) {
      const dir = path.join(variantsDir, name);
      fs.cpSync(path.join(TEMPLATES, name), dir, { recursive: true });
      const file = path.join(dir, 'template.yaml');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(file, 'utf8')
          .replace(
            /action: publish:azure\b/g,
            `action: ${FAKE_PUBLISH_ACTION}`,
          ),
      );
      locations.push({ type: 'file', target: file });
    }

    backend = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        scaffolderPlugin,
        // The real publish:azure, for the dry runs of the shipped templates.
        publishAzureModule,
        stagedoorAzureDevOps,
        fakePublishModule(fake),
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              azure: [{ host, credentials: [{ personalAccessToken: PAT }] }],
            },
            catalog: {
              rules: [
                {
                  allow: [
                    'Component',
                    'System',
                    'API',
                    'Resource',
                    'Location',
                    'Template',
                    'Group',
                    'User',
                  ],
                },
              ],
              locations,
            },
          },
        }),
      ],
    });
    api = `http://localhost:${backend.server.port()}/api`;
    for (const name of [
      'dotnet-microservice',
      'nodejs-service',
      'team-service-connection',
    ]) {
      await waitFor(`template ${name} in the catalog`, async () => {
        const res = await fetch(
          `${api}/catalog/entities/by-name/template/default/${name}`,
          { headers: auth },
        );
        return res.ok;
      });
    }
  });

  after(async () => {
    await backend?.stop();
    await fake?.close();
    if (tlsBefore === undefined)
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = tlsBefore;
    if (variantsDir) fs.rmSync(variantsDir, { recursive: true, force: true });
  });

  async function waitFor(
    what: string,
    check: () => Promise<boolean>,
    timeoutMs = 60_000,
  ) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise(r => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  async function runTemplateTask(
    name: string,
    values: Record<string, unknown>,
  ) {
    const res = await fetch(`${api}/scaffolder/v2/tasks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ templateRef: `template:default/${name}`, values }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { id } = (await res.json()) as { id: string };
    let task: any;
    await waitFor(
      `task ${id}`,
      async () => {
        task = await (
          await fetch(`${api}/scaffolder/v2/tasks/${id}`, { headers: auth })
        ).json();
        return ['completed', 'failed', 'cancelled'].includes(task.status);
      },
      120_000,
    );
    const events = (await (
      await fetch(`${api}/scaffolder/v2/tasks/${id}/events`, { headers: auth })
    ).json()) as any[];
    const log = events
      .map(e => e.body?.message)
      .filter(Boolean)
      .join('\n');
    assert.equal(task.status, 'completed', log);
    const completion = events.find(e => e.type === 'completion');
    return { output: completion?.body?.output ?? {}, log };
  }

  async function dryRun(name: string, values: Record<string, unknown>) {
    const dir = path.join(TEMPLATES, name);
    const template = yaml.parse(
      fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8'),
    );
    const res = await fetch(`${api}/scaffolder/v2/dry-run`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        template,
        values,
        directoryContents: readTree(dir).filter(
          f => f.path !== 'template.yaml',
        ),
      }),
    });
    const body: any = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    const log = (body.log ?? []).map((l: any) => l.body?.message).join('\n');
    const failed = (body.steps ?? []).filter((s: any) => s.status === 'failed');
    assert.deepEqual(failed, [], log);
    return { body, log };
  }

  /** Writes generated files to disk and runs the real BackstageCatalogValidate task on them. */
  async function validateWithTask(files: { path: string; content: Buffer }[]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagedoor-generated-'));
    try {
      for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, f.path), f.content);
      }
      const run = await runTask('BackstageCatalogValidateV1', {
        sourcesDirectory: dir,
        inputs: { root: dir },
      });
      // The owner group lives in the catalog, not in the new repository: a warning, not an error.
      assert.equal(
        run.variables.errorCount,
        '0',
        `${run.stdout}\n${run.stderr}`,
      );
      assert.ok(
        ['Succeeded', 'SucceededWithIssues'].includes(run.result ?? ''),
        run.stdout,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  function checkGenerated(
    files: { path: string; content: Buffer }[],
    name: string,
  ) {
    const byPath = new Map(
      files.map(f => [f.path.replace(/\\/g, '/'), f.content]),
    );
    for (const required of [
      'catalog-info.yaml',
      'mkdocs.yml',
      'docs/index.md',
      'azure-pipelines.yml',
    ]) {
      assert.ok(byPath.has(required), `${required} is generated`);
    }
    const result = validateCatalogFiles([
      { path: 'catalog-info.yaml', content: byPath.get('catalog-info.yaml')! },
    ]);
    assert.deepEqual(
      result.problems.filter(p => p.severity === 'error'),
      [],
    );
    assert.equal(result.entities.length, 1);
    const pipeline = yaml.parse(
      byPath.get('azure-pipelines.yml')!.toString('utf8'),
    );
    const tasks = pipeline.steps.map((s: any) => s.task).filter(Boolean);
    for (const t of [
      'BackstageCatalogValidate@1',
      'BackstageTechDocsPublish@1',
      'BackstageCatalogNotify@1',
    ]) {
      assert.ok(tasks.includes(t), `${t} in the pipeline`);
    }
    const publish = pipeline.steps.find(
      (s: any) => s.task === 'BackstageTechDocsPublish@1',
    );
    assert.equal(publish.inputs.entityRef, `component:default/${name}`);
  }

  for (const template of ['dotnet-microservice', 'nodejs-service']) {
    const name =
      template === 'dotnet-microservice' ? 'payments-api' : 'orders-web';
    // What the form sends: the user's answers plus the schema defaults.
    const values = () => ({
      name,
      description: 'Generated by the end-to-end test.',
      owner: 'group:default/platform-team',
      repoUrl: `${host}?organization=contoso&project=Platform&repo=${name}`,
      pipelineFolder: '\\services',
      backstageConnection: 'backstage',
      azureConnection: 'techdocs-storage',
      techdocsStorageAccount: 'stagedoortechdocs',
    });

    it(`${template}: dry run of the shipped template generates valid files and changes nothing in Azure DevOps`, async () => {
      const before = fake.requests.length;
      const { body, log } = await dryRun(template, values());
      assert.match(
        log,
        /Skipping because publish:azure does not support dry-run/,
      );
      assert.match(log, /Dry run: would create pipeline/);
      assert.ok(
        fake.requests
          .slice(before)
          .every(r => r.method === 'GET' || r.method === 'OPTIONS'),
      );
      const files = body.directoryContents.map((f: any) => ({
        path: f.path,
        content: Buffer.from(f.base64Content, 'base64'),
      }));
      checkGenerated(files, name);
      await validateWithTask(files);
    });

    it(`${template}: a task creates the pipeline, permits it and registers the component`, async () => {
      const { output, log } = await runTemplateTask(template, values());
      const pipeline = fake.state.pipelines.find(p => p.name === name);
      assert.ok(pipeline, log);
      assert.equal(pipeline.folder, '\\services');
      assert.equal(pipeline.path, '/azure-pipelines.yml');
      const project = fake.state.project('Platform');
      assert.equal(
        pipeline.repositoryId,
        fake.state.repository(project, name).id,
      );
      for (const connection of ['backstage', 'techdocs-storage']) {
        const endpoint = fake.state.endpoints.find(
          e => e.body.name === connection,
        )!;
        const perm = fake.state.permissions.get(
          `${project.id}/endpoint/${endpoint.id}`,
        );
        assert.equal(
          perm?.pipelines.get(pipeline.id),
          true,
          `${connection} authorized`,
        );
      }
      const links = (output.links ?? []).map((l: any) => l.url ?? l.entityRef);
      assert.ok(
        links.some((l: string) => /definitionId=/.test(l)),
        JSON.stringify(output),
      );
      assert.ok(
        links.includes(`component:default/${name}`),
        JSON.stringify(output),
      );
      await waitFor(
        `component ${name} in the catalog`,
        async () =>
          (
            await fetch(
              `${api}/catalog/entities/by-name/component/default/${name}`,
              { headers: auth },
            )
          ).ok,
      );
      const files = [
        ...fake.state.repository(project, name).files.entries(),
      ].map(([p, content]) => ({ path: p.slice(1), content }));
      checkGenerated(files, name);
    });
  }

  it('lists the five actions with their examples in the scaffolder', async () => {
    const actions = (await (
      await fetch(`${api}/scaffolder/v2/actions`, { headers: auth })
    ).json()) as any[];
    for (const id of [
      'azure:pipeline:create',
      'azure:pipeline:run',
      'azure:pipeline:permit',
      'azure:serviceconnection:create',
      'azure:variablegroup:create',
    ]) {
      const action = actions.find(a => a.id === id);
      assert.ok(action, `${id} is registered`);
      assert.ok(action.examples?.length > 0, `${id} has examples`);
      assert.ok(
        Object.keys(action.schema?.input?.properties ?? {}).length > 0,
        `${id} has an input schema`,
      );
    }
  });

  const connectionValues = () => ({
    organization: 'contoso',
    host,
    project: 'Platform',
    team: 'group:default/platform-team',
    name: 'platform-dev',
    tenantId: '11111111-1111-1111-1111-111111111111',
    clientId: '22222222-2222-2222-2222-222222222222',
    scopeLevel: 'resourceGroup',
    subscriptionId: '33333333-3333-3333-3333-333333333333',
    resourceGroup: 'rg-platform-dev',
    shareWithProjects: [],
    authorizeAllPipelines: false,
  });

  it('team-service-connection: dry run validates and creates nothing', async () => {
    const before = fake.state.endpoints.length;
    const { log } = await dryRun('team-service-connection', connectionValues());
    assert.match(log, /would create azurerm service connection 'platform-dev'/);
    assert.equal(fake.state.endpoints.length, before);
  });

  it('team-service-connection: a task creates the connection and shows the issuer and subject Azure DevOps minted', async () => {
    const { output } = await runTemplateTask(
      'team-service-connection',
      connectionValues(),
    );
    const endpoint = fake.state.endpoints.find(
      e => e.body.name === 'platform-dev',
    )!;
    assert.equal(
      endpoint.body.authorization.parameters.scope,
      '/subscriptions/33333333-3333-3333-3333-333333333333/resourcegroups/rg-platform-dev',
    );
    const text = (output.text ?? []).map((t: any) => t.content).join('\n');
    assert.ok(
      text.includes(
        endpoint.body.authorization.parameters.workloadIdentityFederationIssuer,
      ),
      text,
    );
    assert.ok(text.includes('sc://contoso/Platform/platform-dev'), text);
  });
});
