import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CollectingReporter } from '../../tasks/shared/src/reporter';
import {
  createContainerClient,
  listPublished,
  md5Base64,
  publishSite,
  publishTechDocs,
} from '../../tasks/shared/src/techdocs';
import { RunningAzurite, startAzurite } from '../fixtures/azurite';
import { startFaultProxy } from './faultProxy';

const entity = { namespace: 'default', kind: 'Component', name: 'Payments' };

function writeSite(dir: string, files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

async function readBlob(
  container: ContainerClient,
  name: string,
): Promise<string> {
  return (await container.getBlockBlobClient(name).downloadToBuffer()).toString(
    'utf8',
  );
}

describe('techdocs incremental publish to Azure Blob Storage (Azurite)', function () {
  this.timeout(120_000);
  let azurite: RunningAzurite;
  let container: ContainerClient;
  let site: string;

  before(async () => {
    azurite = await startAzurite();
  });
  after(async () => {
    await azurite?.stop();
  });
  beforeEach(async () => {
    const name = `td-${randomUUID().slice(0, 8)}`;
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(name)
      .create();
    container = createContainerClient({
      connectionString: azurite.connectionString,
      containerName: name,
    });
    site = mkdtempSync(join(tmpdir(), 'stagedoor-site-'));
    writeSite(site, {
      'index.html': '<h1>Home</h1>',
      'guide/index.html': '<h1>Guide</h1>',
      'old/index.html': '<h1>Old</h1>',
      'css/site.css': 'body{}',
      'techdocs_metadata.json':
        '{"site_name":"Payments","build_timestamp":1,"files":[]}\n',
    });
  });
  afterEach(() => rmSync(site, { recursive: true, force: true }));

  const publish = (extra: Partial<Parameters<typeof publishSite>[0]> = {}) =>
    publishSite({
      siteDir: site,
      entity,
      container,
      reporter: new CollectingReporter(),
      ...extra,
    });

  it('uploads every file under the lower-cased triplet, with content type and Content-MD5, metadata last', async () => {
    const report = await publish();
    assert.equal(report.uploaded.length, 5);
    assert.equal(
      report.uploaded.at(-1),
      'default/component/payments/techdocs_metadata.json',
    );
    assert.equal(report.skipped, 0);
    const props = await container
      .getBlockBlobClient('default/component/payments/index.html')
      .getProperties();
    assert.equal(props.contentType, 'text/html; charset=utf-8');
    assert.equal(
      Buffer.from(props.contentMD5!).toString('base64'),
      md5Base64(Buffer.from('<h1>Home</h1>')),
    );
    assert.equal(
      await readBlob(container, 'default/component/payments/guide/index.html'),
      '<h1>Guide</h1>',
    );
  });

  it('uploads only changed files and deletes removed ones on the next run', async () => {
    await publish();
    writeSite(site, {
      'guide/index.html': '<h1>Guide v2</h1>',
      'techdocs_metadata.json': '{"build_timestamp":2}\n',
    });
    unlinkSync(join(site, 'old', 'index.html'));
    const report = await publish();
    assert.deepEqual(report.uploaded, [
      'default/component/payments/guide/index.html',
      'default/component/payments/techdocs_metadata.json',
    ]);
    assert.equal(report.skipped, 2);
    assert.deepEqual(report.deleted, [
      'default/component/payments/old/index.html',
    ]);
    assert.equal(
      report.bytes,
      Buffer.byteLength('<h1>Guide v2</h1>') +
        Buffer.byteLength('{"build_timestamp":2}\n'),
    );
    const names = [
      ...(await listPublished(container, 'default/component/payments/')).keys(),
    ].sort();
    assert.deepEqual(names, [
      'default/component/payments/css/site.css',
      'default/component/payments/guide/index.html',
      'default/component/payments/index.html',
      'default/component/payments/techdocs_metadata.json',
    ]);
  });

  it('reads every page of the listing before deciding what is stale', async () => {
    for (let i = 0; i < 12; i++)
      writeSite(site, { [`p${i}/index.html`]: `page ${i}` });
    await publish();
    for (let i = 0; i < 12; i++) unlinkSync(join(site, `p${i}`, 'index.html'));
    const report = await publish({ listPageSize: 5 });
    assert.equal(report.deleted.length, 12);
    assert.equal(
      report.uploaded.length,
      0,
      'the metadata did not change either',
    );
    assert.equal(report.skipped, 5);
  });

  it('changes nothing in a dry run but reports what it would do', async () => {
    const report = await publish({ dryRun: true });
    assert.equal(report.uploaded.length, 5);
    assert.equal((await listPublished(container, 'default/')).size, 0);
  });

  it('keeps the triplet case with legacyCaseSensitive', async () => {
    const report = await publish({ legacyCaseSensitive: true });
    assert.ok(
      report.uploaded.includes('default/Component/Payments/index.html'),
    );
  });

  it('leaves the previous version readable when a run fails midway, and the next run completes it', async () => {
    await publish();
    writeSite(site, {
      'index.html': '<h1>Home v2</h1>',
      'guide/index.html': '<h1>Guide v2</h1>',
      'css/site.css': 'body{color:red}',
      'techdocs_metadata.json': '{"build_timestamp":2}\n',
    });
    unlinkSync(join(site, 'old', 'index.html'));
    const proxy = await startFaultProxy(azurite.port, { allowPuts: 1 });
    try {
      const broken = createContainerClient({
        connectionString: proxy.connectionString,
        containerName: container.containerName,
      });
      await assert.rejects(
        publish({ container: broken, concurrency: 1 }),
        /Access denied .*Storage Blob Data Contributor/,
      );
      assert.equal(proxy.passedPuts, 1);
    } finally {
      await proxy.close();
    }
    // The reader's entry point is still the old one, and nothing it lists is gone.
    assert.equal(
      await readBlob(
        container,
        'default/component/payments/techdocs_metadata.json',
      ),
      '{"site_name":"Payments","build_timestamp":1,"files":[]}\n',
    );
    assert.equal(
      await readBlob(container, 'default/component/payments/old/index.html'),
      '<h1>Old</h1>',
    );
    const report = await publish();
    assert.equal(
      report.uploaded.length,
      3,
      'two pages left over, then the metadata',
    );
    assert.equal(report.skipped, 1);
    assert.deepEqual(report.deleted, [
      'default/component/payments/old/index.html',
    ]);
    assert.equal(
      await readBlob(
        container,
        'default/component/payments/techdocs_metadata.json',
      ),
      '{"build_timestamp":2}\n',
    );
  });

  it('retries uploads the service answers with 503 ServerBusy', async () => {
    const proxy = await startFaultProxy(azurite.port, { busyPuts: 3 });
    try {
      const busy = createContainerClient({
        connectionString: proxy.connectionString,
        containerName: container.containerName,
      });
      const report = await publish({ container: busy, concurrency: 1 });
      assert.equal(report.uploaded.length, 5);
      assert.equal(proxy.busyPuts, 3);
      assert.equal(proxy.passedPuts, 5);
    } finally {
      await proxy.close();
    }
  });

  it('lists every name with its Content-MD5 across pages, names XML has to escape included', async () => {
    const names = [
      'default/component/payments/a & b/<c>.html',
      'default/component/payments/"quoted" \'single\'.html',
      'default/component/payments/größe/ß €.html',
      'default/component/payments/100% + #hash?.html',
      'default/component/payments/tab\tand space.html',
      ...Array.from(
        { length: 7 },
        (_, i) => `default/component/payments/p${i}`,
      ),
    ];
    for (const name of names)
      await container.getBlockBlobClient(name).uploadData(Buffer.from(name));
    // Committed from blocks: a blob without Content-MD5.
    const blocks = container.getBlockBlobClient(
      'default/component/payments/from-blocks.bin',
    );
    const blockId = Buffer.from('block-0').toString('base64');
    await blocks.stageBlock(blockId, Buffer.from('data'), 4);
    await blocks.commitBlockList([blockId]);

    const listed = await listPublished(
      container,
      'default/component/payments/',
      3,
    );
    assert.deepEqual(
      [...listed.keys()].sort(),
      [...names, 'default/component/payments/from-blocks.bin'].sort(),
    );
    assert.equal(listed.get('default/component/payments/from-blocks.bin'), '');
    for (const name of names)
      assert.equal(
        listed.get(name),
        md5Base64(Buffer.from(name)),
        'Content-MD5 as the service stored it',
      );
  });

  it('retries a listing the service answers with 503 or cuts off midway', async () => {
    await publish();
    writeSite(site, { 'guide/index.html': '<h1>Guide v2</h1>' });
    const proxy = await startFaultProxy(azurite.port, {
      busyLists: 2,
      cutLists: 1,
    });
    try {
      const flaky = createContainerClient({
        connectionString: proxy.connectionString,
        containerName: container.containerName,
      });
      const report = await publish({ container: flaky });
      assert.equal(proxy.busyLists, 2);
      assert.equal(proxy.cutLists, 1);
      assert.deepEqual(report.uploaded, [
        'default/component/payments/guide/index.html',
      ]);
      assert.equal(report.skipped, 4);
      assert.deepEqual(report.deleted, []);
    } finally {
      await proxy.close();
    }
  });

  it('says how to create a missing container', async () => {
    const missing = createContainerClient({
      connectionString: azurite.connectionString,
      containerName: 'no-such-container',
    });
    await assert.rejects(
      publish({ container: missing }),
      /container 'no-such-container' of storage account 'devstoreaccount1' does not exist\. Create it/,
    );
  });

  it('rejects an invalid container name before calling Azure', () => {
    assert.throws(
      () =>
        createContainerClient({
          connectionString: azurite.connectionString,
          containerName: 'Tech_Docs',
        }),
      /not a valid container name/,
    );
  });

  it('refuses a folder that is not a built site', async () => {
    unlinkSync(join(site, 'techdocs_metadata.json'));
    await assert.rejects(publish(), /has no techdocs_metadata\.json/);
    await assert.rejects(
      publish({ siteDir: join(site, 'nope') }),
      /does not exist: build the docs first/,
    );
  });
});

describe('techdocs publish of a whole repository (core)', function () {
  this.timeout(60_000);
  let azurite: RunningAzurite;
  let repo: string;
  before(async () => {
    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient('repo-docs')
      .create();
  });
  after(async () => {
    await azurite?.stop();
  });
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'stagedoor-multi-'));
    for (const name of ['alpha', 'beta']) {
      writeSite(join(repo, name), {
        'catalog-info.yaml': `kind: Component\nmetadata:\n  name: ${name}\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n`,
      });
    }
    writeSite(join(repo, 'site'), {
      'index.html': 'built',
      'techdocs_metadata.json': '{}\n',
    });
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  const storage = () => ({
    connectionString: azurite.connectionString,
    containerName: 'repo-docs',
  });

  it('asks for entityRef when a built site could belong to several entities', async () => {
    await assert.rejects(
      publishTechDocs({
        sourceDir: repo,
        storage: storage(),
        generate: false,
        reporter: new CollectingReporter(),
      }),
      /2 entities have docs here \(alpha, beta\); set entityRef/,
    );
  });

  it('publishes a built site for the entity named by entityRef', async () => {
    const result = await publishTechDocs({
      sourceDir: repo,
      storage: storage(),
      generate: false,
      entityRef: 'default/component/beta',
      reporter: new CollectingReporter(),
    });
    assert.equal(result.sites[0].entity, 'default/component/beta');
    assert.equal(result.uploaded, 2);
  });
});
