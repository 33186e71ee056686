/**
 * BackstageTechDocsPublish@1 end to end: the bundled task, run the way the agent
 * runs it, builds a sample repository's docs with the MkDocs on this machine and
 * publishes them to Azurite; a real Backstage backend with the real techdocs
 * plugin (builder external, azureBlobStorage publisher) serves what it wrote.
 */
import type { BackendFeature } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { BlobServiceClient } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunningAzurite, startAzurite } from '../fixtures/azurite';
import { TaskRun, runTask } from '../fixtures/agent';
import { startFaultProxy } from './faultProxy';

const TASK = 'BackstageTechDocsPublishV1';

/** A backend plugin's default export (TypeScript's Node16 CommonJS view of these packages wraps it). */
function plugin(name: string): BackendFeature {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name).default;
}
const repoRoot = resolve(__dirname, '..', '..');

function writeRepo(dir: string) {
  mkdirSync(join(dir, 'docs'), { recursive: true });
  writeFileSync(
    join(dir, 'catalog-info.yaml'),
    'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: sample-service\n  title: Sample Service\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n',
  );
  writeFileSync(
    join(dir, 'mkdocs.yml'),
    'site_name: Sample Service\nsite_description: How the sample works\n',
  );
  writeFileSync(
    join(dir, 'docs', 'index.md'),
    '# Welcome to the sample\n\nStart here.\n',
  );
  writeFileSync(
    join(dir, 'docs', 'guide.md'),
    '# Guide\n\nVersion one of the guide.\n',
  );
  writeFileSync(join(dir, 'docs', 'old.md'), '# Old page\n\nSoon gone.\n');
}

describe('BackstageTechDocsPublish@1 end to end (agent harness, MkDocs, Azurite, techdocs backend)', function () {
  this.timeout(180_000);
  let azurite: RunningAzurite;
  let repo: string;
  let containerName: string;
  let backend: { stop(): Promise<void> } | undefined;
  let baseUrl: string;

  const run = (
    inputs: Record<string, string> = {},
    extra: Partial<Parameters<typeof runTask>[1]> = {},
  ): Promise<TaskRun> =>
    runTask(TASK, {
      inputs: {
        containerName,
        connectionString: azurite.connectionString,
        omitTechdocsCorePlugin: 'true',
        ...inputs,
      },
      variables: { 'Build.SourceVersion': 'c0ffee1' },
      sourcesDirectory: repo,
      timeoutMs: 90_000,
      ...extra,
    });

  const get = async (path: string) => {
    const res = await fetch(`${baseUrl}${path}`);
    return { status: res.status, text: await res.text() };
  };

  before(async function () {
    if (spawnSync('mkdocs', ['--version']).status !== 0) {
      this.skip(); // `.ci/run` installs it: apt-get install -y mkdocs mkdocs-material
    }
    if (!existsSync(join(repoRoot, 'tasks', TASK, 'dist', 'index.js'))) {
      execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], {
        stdio: 'inherit',
      });
    }
    azurite = await startAzurite();
    containerName = `techdocs-${randomUUID().slice(0, 8)}`;
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(containerName)
      .create();
    repo = mkdtempSync(join(tmpdir(), 'stagedoor-docs-repo-'));
    writeRepo(repo);
  });

  after(async () => {
    await backend?.stop();
    await azurite?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it('builds and publishes the site, masking the storage key', async () => {
    const result = await run();
    assert.equal(
      result.result,
      'Succeeded',
      `${result.resultMessage}\n${result.stdout}\n${result.stderr}`,
    );
    assert.ok(Number(result.variables.filesUploaded) > 5);
    assert.equal(result.variables.filesDeleted, '0');
    assert.ok(
      result.log.some(l =>
        /default\/component\/sample-service: uploaded \d+ file/.test(l),
      ),
      result.log.join('\n'),
    );
    const key = /AccountKey=([^;]+)/.exec(azurite.connectionString)![1];
    assert.ok(result.secrets.includes(key));
    assert.ok(!result.log.join('\n').includes(key));
  });

  it('is served by the techdocs backend reading the container', async () => {
    const started = await startTestBackend({
      features: [
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:0',
              database: { client: 'better-sqlite3', connection: ':memory:' },
            },
            catalog: {
              locations: [
                { type: 'file', target: join(repo, 'catalog-info.yaml') },
              ],
              processingInterval: { seconds: 1 },
            },
            techdocs: {
              builder: 'external',
              publisher: {
                type: 'azureBlobStorage',
                azureBlobStorage: {
                  containerName,
                  connectionString: azurite.connectionString,
                },
              },
            },
          },
        }),
        plugin('@backstage/plugin-catalog-backend'),
        plugin('@backstage/plugin-techdocs-backend'),
      ],
    });
    backend = started;
    baseUrl = `http://127.0.0.1:${(started.server as Server).address() && ((started.server as Server).address() as AddressInfo).port}`;

    const page = await get(
      '/api/techdocs/static/docs/default/component/sample-service/index.html',
    );
    assert.equal(page.status, 200);
    assert.match(page.text, /Welcome to the sample/);
    const guide = await get(
      '/api/techdocs/static/docs/default/Component/sample-service/guide/index.html',
    );
    assert.match(guide.text, /Version one of the guide/);

    // The metadata route needs the entity in the catalog first.
    const deadline = Date.now() + 60_000;
    let metadata = await get(
      '/api/techdocs/metadata/techdocs/default/component/sample-service',
    );
    while (metadata.status !== 200 && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 250));
      metadata = await get(
        '/api/techdocs/metadata/techdocs/default/component/sample-service',
      );
    }
    assert.equal(metadata.status, 200, metadata.text);
    const json = JSON.parse(metadata.text);
    assert.equal(json.site_name, 'Sample Service');
    assert.equal(json.site_description, 'How the sample works');
    assert.equal(json.etag, 'c0ffee1');
    assert.ok(json.files.includes('guide/index.html'));
    assert.ok(json.files.includes('techdocs_metadata.json'));
  });

  it('uploads only the changed page and the metadata after a one-page change', async () => {
    writeFileSync(
      join(repo, 'docs', 'guide.md'),
      '# Guide\n\nVersion two of the guide.\n',
    );
    const result = await run(
      {},
      {
        variables: { 'System.Debug': 'true', 'Build.SourceVersion': 'c0ffee2' },
      },
    );
    assert.equal(result.result, 'Succeeded', result.resultMessage);
    const uploaded = result.stdout
      .split('\n')
      .map(l => /uploaded (\S+) \(\d+ bytes\)/.exec(l)?.[1])
      .filter(Boolean);
    assert.deepEqual(uploaded, [
      'default/component/sample-service/guide/index.html',
      'default/component/sample-service/techdocs_metadata.json',
    ]);
    assert.equal(result.variables.filesUploaded, '2');
    assert.match(
      (
        await get(
          '/api/techdocs/static/docs/default/component/sample-service/guide/index.html',
        )
      ).text,
      /Version two of the guide/,
    );
  });

  it('removes a deleted page', async () => {
    assert.equal(
      (
        await get(
          '/api/techdocs/static/docs/default/component/sample-service/old/index.html',
        )
      ).status,
      200,
    );
    unlinkSync(join(repo, 'docs', 'old.md'));
    const result = await run();
    assert.equal(result.result, 'Succeeded', result.resultMessage);
    assert.equal(result.variables.filesDeleted, '1');
    assert.equal(
      (
        await get(
          '/api/techdocs/static/docs/default/component/sample-service/old/index.html',
        )
      ).status,
      404,
    );
    const metadata = JSON.parse(
      (
        await get(
          '/api/techdocs/metadata/techdocs/default/component/sample-service',
        )
      ).text,
    );
    assert.ok(!metadata.files.includes('old/index.html'));
  });

  it('keeps serving the previous version after a run that fails midway, and the next run completes it', async () => {
    writeFileSync(
      join(repo, 'docs', 'index.md'),
      '# Welcome to the sample\n\nStart here, version three.\n',
    );
    writeFileSync(
      join(repo, 'docs', 'guide.md'),
      '# Guide\n\nVersion three of the guide.\n',
    );
    const before = JSON.parse(
      (
        await get(
          '/api/techdocs/metadata/techdocs/default/component/sample-service',
        )
      ).text,
    );
    const proxy = await startFaultProxy(azurite.port, { allowPuts: 1 });
    try {
      const failed = await run(
        { connectionString: proxy.connectionString, concurrency: '1' },
        { variables: { 'Build.SourceVersion': 'c0ffee3' } },
      );
      assert.equal(failed.result, 'Failed');
      assert.match(
        failed.resultMessage ?? '',
        /Access denied .*'Storage Blob Data Contributor' role/,
      );
      assert.equal(proxy.passedPuts, 1);
    } finally {
      await proxy.close();
    }
    const during = JSON.parse(
      (
        await get(
          '/api/techdocs/metadata/techdocs/default/component/sample-service',
        )
      ).text,
    );
    assert.deepEqual(
      during,
      before,
      'readers still start from the previous metadata',
    );
    const result = await run(
      {},
      { variables: { 'Build.SourceVersion': 'c0ffee3' } },
    );
    assert.equal(result.result, 'Succeeded', result.resultMessage);
    assert.equal(
      result.variables.filesUploaded,
      '2',
      'the page left over and the metadata',
    );
    const after = JSON.parse(
      (
        await get(
          '/api/techdocs/metadata/techdocs/default/component/sample-service',
        )
      ).text,
    );
    assert.equal(after.etag, 'c0ffee3');
    assert.match(
      (
        await get(
          '/api/techdocs/static/docs/default/component/sample-service/index.html',
        )
      ).text,
      /version three/,
    );
    assert.match(
      (
        await get(
          '/api/techdocs/static/docs/default/component/sample-service/guide/index.html',
        )
      ).text,
      /Version three/,
    );
  });

  it('fails with one clear message for a container that does not exist', async () => {
    const result = await run({ containerName: 'no-such-container' });
    assert.equal(result.result, 'Failed');
    assert.match(
      result.resultMessage ?? '',
      /container 'no-such-container' .* does not exist\. Create it/,
    );
  });

  it('fails with how to install MkDocs when the agent has none', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'stagedoor-path-'));
    try {
      symlinkSync(process.execPath, join(bin, 'node'));
      const result = await run({}, { env: { PATH: bin } });
      assert.equal(result.result, 'Failed');
      assert.match(
        result.resultMessage ?? '',
        /MkDocs was not found .*pip install mkdocs-techdocs-core/,
      );
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('runs under the Node24 handler from the same bundle', async () => {
    const result = await run({ dryRun: 'true' }, { handler: 'Node24' });
    assert.equal(result.result, 'Succeeded', result.resultMessage);
    // Nothing changed but the metadata's build_timestamp; a dry run only counts it.
    assert.equal(result.variables.filesUploaded, '1');
    assert.ok(
      result.log.some(l => /would upload 1 file/.test(l)),
      result.log.join('\n'),
    );
  });

  it('succeeds quietly in one line for a repository without docs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'stagedoor-nodocs-'));
    try {
      writeFileSync(
        join(empty, 'catalog-info.yaml'),
        'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: plain\n',
      );
      const result = await run({}, { sourcesDirectory: empty });
      assert.equal(result.result, 'Succeeded', result.resultMessage);
      assert.deepEqual(result.log, [
        'No TechDocs to publish: no catalog entity in this repository has a backstage.io/techdocs-ref: dir: annotation.',
      ]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
