/**
 * The "Onboard an existing repository" template, end to end through a real
 * backend (catalog with the Template kind, scaffolder, the Stagedoor module)
 * against the fake Azure DevOps over TLS: the template is read from the
 * baseline's examples folder as shipped, its task opens a pull request with the
 * expected files, and the pipeline YAML keeps its comments.
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
import stagedoorAzureDevOps from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { validateCatalogFiles } from '@stagedoor/common';
import { FakeAzureDevOps } from '../../fixtures/azure-devops';
import { createServiceConnectionCreateAction } from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import { PAT, invoke, patIntegrations, startFake } from '../helpers';

const TEMPLATE_DIR = path.resolve(
  __dirname,
  '../../../backstage-modules/backend/examples/templates/onboard-repository',
);
const auth = {
  authorization: mockCredentials.user.header('user:default/alice'),
};

const PIPELINE = `# Build of payments. Owned by the payments team; ask #payments before changing.
trigger:
  - main # release branch

pool:
  vmImage: ubuntu-latest # Microsoft-hosted

steps:
  # Tests first, always.
  - script: npm ci && npm test
    displayName: Install and test
`;

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

describe('onboard-repository template through the real scaffolder', function () {
  this.timeout(180_000);
  let fake: FakeAzureDevOps;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let api: string;
  let host: string;
  let tlsBefore: string | undefined;
  let placeholderDir: string;
  let placeholderFile: string;

  before(async () => {
    // The actions build https:// URLs from the RepoUrlPicker host; loopback only.
    tlsBefore = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const pems = await selfsigned.generate(
      [{ name: 'commonName', value: '127.0.0.1' }],
      { keySize: 2048 },
    );
    placeholderDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-'));
    placeholderFile = path.join(placeholderDir, 'placeholder.yaml');
    fs.writeFileSync(
      placeholderFile,
      yaml.stringify({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'inventory',
          namespace: 'azure-platform',
          annotations: {
            'dev.azure.com/project-repo': 'Platform/inventory',
            'stagedoor.io/placeholder': 'true',
          },
        },
        spec: { type: 'service', lifecycle: 'unknown', owner: 'unowned' },
      }),
    );
    fake = await startFake({
      tls: { key: pems.private, cert: pems.cert },
      projects: [
        {
          name: 'Platform',
          repositories: ['payments', 'billing', 'ledger', 'inventory'],
        },
      ],
    });
    host = new URL(fake.baseUrl).host;
    const [payments, billing, ledger, inventory] =
      fake.state.project('Platform').repositories;
    inventory.files.set('/azure-pipelines.yml', Buffer.from(PIPELINE));
    payments.files.set('/azure-pipelines.yml', Buffer.from(PIPELINE));
    payments.files.set('/README.md', Buffer.from('# payments\n'));
    billing.files.set('/azure-pipelines.yml', Buffer.from(PIPELINE));
    billing.files.set('/mkdocs.yml', Buffer.from('site_name: Billing\n'));
    billing.files.set('/docs/index.md', Buffer.from('# Billing, by hand\n'));
    ledger.files.set('/src/main.py', Buffer.from('print("ledger")\n'));
    // The connections a new pipeline is authorized for.
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

    backend = await startTestBackend({
      features: [
        catalogPlugin,
        scaffolderEntityModel,
        scaffolderPlugin,
        stagedoorAzureDevOps,
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              azure: [{ host, credentials: [{ personalAccessToken: PAT }] }],
            },
            catalog: {
              rules: [{ allow: ['Template', 'Component'] }],
              locations: [
                // A discovery placeholder, as the push module's discovery writes it.
                { type: 'file', target: placeholderFile },
                {
                  type: 'file',
                  target: path.join(TEMPLATE_DIR, 'template.yaml'),
                },
              ],
            },
          },
        }),
      ],
    });
    api = `http://localhost:${backend.server.port()}/api`;
    for (const ref of [
      'template/default/onboard-repository',
      'component/azure-platform/inventory',
    ]) {
      await waitFor(`${ref} in the catalog`, async () => {
        const res = await fetch(`${api}/catalog/entities/by-name/${ref}`, {
          headers: auth,
        });
        return res.ok;
      });
    }
  });

  after(async () => {
    await backend?.stop();
    await fake?.close();
    if (placeholderDir) fs.rmSync(placeholderDir, { recursive: true });
    if (tlsBefore === undefined)
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = tlsBefore;
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

  /** The parameters' defaults, as the scaffolder form fills them in. */
  const defaults = () =>
    Object.fromEntries(
      yaml
        .parse(
          fs.readFileSync(path.join(TEMPLATE_DIR, 'template.yaml'), 'utf8'),
        )
        .spec.parameters.flatMap((page: any) =>
          Object.entries(page.properties).filter(
            ([, p]: [string, any]) => p.default !== undefined,
          ),
        )
        .map(([k, p]: [string, any]) => [k, p.default]),
    );
  const values = (repo: string) => ({
    ...defaults(),
    repoUrl: `${host}?organization=contoso&project=Platform&repo=${repo}`,
    name: repo,
    description: `The ${repo} service.`,
    owner: 'group:default/payments-team',
  });

  async function runTask(repo: string, extra: Record<string, string> = {}) {
    const res = await fetch(`${api}/scaffolder/v2/tasks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        templateRef: 'template:default/onboard-repository',
        values: { ...values(repo), ...extra },
      }),
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
    return {
      output: events.find(e => e.type === 'completion')?.body?.output ?? {},
      log,
    };
  }

  const branchOf = (repo: string) =>
    fake.state
      .project('Platform')
      .repositories.find(r => r.name === repo)!
      .branches?.get('refs/heads/backstage/onboard');

  it('dry run: reads the repository, lists the files the pull request would change, and writes nothing', async () => {
    const template = yaml.parse(
      fs.readFileSync(path.join(TEMPLATE_DIR, 'template.yaml'), 'utf8'),
    );
    const before = fake.requests.length;
    const res = await fetch(`${api}/scaffolder/v2/dry-run`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        template,
        values: values('payments'),
        directoryContents: readTree(TEMPLATE_DIR).filter(
          f => f.path !== 'template.yaml',
        ),
      }),
    });
    const body: any = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    const log = (body.log ?? []).map((l: any) => l.body?.message).join('\n');
    assert.deepEqual(
      (body.steps ?? []).filter((s: any) => s.status === 'failed'),
      [],
      log,
    );
    assert.match(
      log,
      /would commit edit \/azure-pipelines.yml, add \/catalog-info.yaml, add \/docs\/index.md, add \/mkdocs.yml to backstage\/onboard/,
    );
    // The dry run shows the edit of the pipeline file: only added lines.
    const diff = /\/azure-pipelines.yml would change:\n((?:[+-] .*\n?)+)/.exec(
      log,
    )?.[1];
    assert.ok(diff, log);
    assert.match(diff, /^\+ {3}- task: BackstageCatalogValidate@1$/m);
    assert.doesNotMatch(diff, /^- /m, 'no line of the file is removed');
    const writes = fake.requests
      .slice(before)
      .filter(r => r.method !== 'GET' && r.method !== 'OPTIONS');
    assert.deepEqual(writes, []);
    assert.equal(fake.state.pullRequests.length, 0);
  });

  it('opens a pull request adding the catalog entry, TechDocs and the Stagedoor tasks, the pipeline comments kept', async () => {
    const { output } = await runTask('payments');
    const pr = fake.state.pullRequests.find(
      p => p.repositoryId === fake.state.project('Platform').repositories[0].id,
    )!;
    assert.ok(pr, 'a pull request was opened');
    assert.equal(pr.title, 'Onboard payments to Backstage');
    assert.equal(pr.targetRefName, 'refs/heads/main');
    assert.match(pr.description, /owner group:default\/payments-team/);
    // No placeholder given: the description says nothing of one.
    assert.doesNotMatch(pr.description, /placeholder/);
    assert.ok(
      String(output.links?.[0]?.url).endsWith(
        `/Platform/_git/payments/pullrequest/${pr.id}`,
      ),
      JSON.stringify(output),
    );
    const files = branchOf('payments')!;
    const pipeline = files.get('/azure-pipelines.yml')!.toString();
    assert.ok(
      pipeline.startsWith(PIPELINE),
      `the pipeline file keeps its text and comments:\n${pipeline}`,
    );
    assert.deepEqual(
      yaml.parse(pipeline).steps.map((s: any) => s.task ?? s.script),
      [
        'npm ci && npm test',
        'BackstageCatalogValidate@1',
        'BackstageTechDocsPublish@1',
        'BackstageCatalogNotify@1',
      ],
    );
    const result = validateCatalogFiles([
      { path: 'catalog-info.yaml', content: files.get('/catalog-info.yaml')! },
    ]);
    assert.deepEqual(
      result.problems.filter(p => p.severity === 'error'),
      [],
    );
    const entity = result.entities[0].entity as any;
    assert.equal(entity.spec.owner, 'group:default/payments-team');
    assert.equal(
      entity.metadata.annotations['dev.azure.com/project-repo'],
      'Platform/payments',
    );
    assert.match(files.get('/mkdocs.yml')!.toString(), /site_name: payments/);
    assert.ok(files.has('/docs/index.md'));
    assert.equal(files.get('/README.md')!.toString(), '# payments\n');
    assert.equal(fake.state.pipelines.length, 0, 'no new pipeline');
  });

  it('keeps existing TechDocs, and is idempotent: a second run updates the same pull request', async () => {
    await runTask('billing');
    const files = branchOf('billing')!;
    assert.equal(files.get('/mkdocs.yml')!.toString(), 'site_name: Billing\n');
    assert.equal(
      files.get('/docs/index.md')!.toString(),
      '# Billing, by hand\n',
    );
    const count = fake.state.pullRequests.length;
    await runTask('billing');
    assert.equal(fake.state.pullRequests.length, count);
  });

  it('writes a new pipeline file and creates the pipeline when the repository has none', async () => {
    const { output } = await runTask('ledger');
    const files = branchOf('ledger')!;
    const pipeline = yaml.parse(files.get('/azure-pipelines.yml')!.toString());
    assert.equal(pipeline.steps.length, 3);
    const created = fake.state.pipelines.find(p => p.name === 'ledger');
    assert.ok(created, JSON.stringify(output));
    assert.equal(created.path, '/azure-pipelines.yml');
  });

  it('takes a discovery placeholder (the Delivery card link prefills it): reads it from the catalog and names it in the pull request', async () => {
    const template = yaml.parse(
      fs.readFileSync(path.join(TEMPLATE_DIR, 'template.yaml'), 'utf8'),
    );
    const field = template.spec.parameters[0].properties.placeholder;
    assert.equal(field['ui:field'], 'EntityPicker');
    assert.deepEqual(field['ui:options'].catalogFilter, {
      kind: 'Component',
      'metadata.annotations.stagedoor.io/placeholder': 'true',
    });
    await runTask('inventory', {
      placeholder: 'component:azure-platform/inventory',
    });
    const inventoryId = fake.state
      .project('Platform')
      .repositories.find(r => r.name === 'inventory')!.id;
    const pr = fake.state.pullRequests.find(
      p => p.repositoryId === inventoryId,
    )!;
    assert.ok(pr, 'a pull request was opened');
    assert.match(
      pr.description,
      /Replaces the unowned discovery placeholder azure-platform\/inventory once merged and pushed\./,
    );
    assert.ok(branchOf('inventory')!.has('/catalog-info.yaml'));
  });

  it('fails before touching the repository when the placeholder is not in the catalog', async () => {
    const before = fake.requests.length;
    const res = await fetch(`${api}/scaffolder/v2/tasks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        templateRef: 'template:default/onboard-repository',
        values: {
          ...values('inventory'),
          placeholder: 'component:azure-platform/no-such-repository',
        },
      }),
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
    assert.equal(task.status, 'failed');
    const events = (await (
      await fetch(`${api}/scaffolder/v2/tasks/${id}/events`, { headers: auth })
    ).json()) as any[];
    const log = events.map(e => e.body?.message ?? '').join('\n');
    assert.match(log, /no-such-repository/i, log);
    assert.ok(fake.requests.length > 0, 'the fake records requests');
    assert.deepEqual(fake.requests.slice(before), []);
  });
});
