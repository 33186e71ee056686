import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { component, eventually, type NotifyBackend } from './backend';
import { runNotifyTask, withNotifyBackend } from './helpers';
import { buildVariables, makeRepo, writeFiles } from './repo';

/**
 * Refresh mode against a real catalog that reads the repository itself (a registered
 * location) and would not look again for an hour: a change shows up only because the
 * task asked for a refresh.
 */
describe('BackstageCatalogNotify@1 refresh mode', function () {
  this.timeout(180_000);
  let backend: NotifyBackend;
  let repo: string;
  // A stand-in for the Azure DevOps file URL the pull-based provider registers
  // (`{org}/{project}/_git/{repo}?path=/catalog-info.yaml`), served on loopback.
  let served = component('old-name');
  let git: Server;
  let organizationUrl: string;

  before(async () => {
    git = createServer((req, res) => {
      const ok =
        req.url === '/contoso/shop/_git/renamed?path=/catalog-info.yaml';
      res
        .writeHead(ok ? 200 : 404, { 'content-type': 'text/yaml' })
        .end(ok ? served : 'not found');
    });
    await new Promise<void>(resolve => git.listen(0, '127.0.0.1', resolve));
    organizationUrl = `http://127.0.0.1:${(git.address() as AddressInfo).port}/contoso`;
    repo = makeRepo({
      'catalog-info.yaml': component('pulled', { description: 'before' }),
    });
  });
  withNotifyBackend(
    started => (backend = started),
    () => ({
      catalog: {
        processingInterval: { hours: 1 },
        locations: [
          { type: 'file', target: join(repo, 'catalog-info.yaml') },
          {
            type: 'url',
            target: `${organizationUrl}/shop/_git/renamed?path=/catalog-info.yaml`,
          },
        ],
      },
      reading: [new URL(organizationUrl).host],
    }),
  );
  before(async () => {
    await eventually(
      () => backend.entity('component:default/pulled'),
      'the registered entity',
    );
    await eventually(
      () => backend.entity('component:default/old-name'),
      'the entity read from the URL',
    );
  });
  after(async () => {
    await new Promise(resolve => git?.close(resolve));
  });

  it('asks the catalog to refresh each entity so a change is read now', async () => {
    writeFiles(repo, {
      'catalog-info.yaml': component('pulled', { description: 'after' }),
    });
    const run = await runNotifyTask(backend.baseUrl, repo, 'pulled', {
      inputs: { mode: 'refresh' },
      timeoutMs: 120_000,
    });
    assert.equal(run.result, 'Succeeded', run.stdout + run.stderr);
    assert.ok(
      run.log.includes('Refresh requested: component:default/pulled'),
      run.stdout,
    );
    assert.equal(run.variables.entityRefs, 'component:default/pulled');
    await eventually(
      async () =>
        (await backend.entity('component:default/pulled'))?.metadata
          .description === 'after'
          ? true
          : undefined,
      'the refreshed description',
      60_000,
    );
  });

  it("refreshes the file's Location when all its entities are new", async () => {
    served = component('new-name');
    const renamed = makeRepo({ 'catalog-info.yaml': served });
    const run = await runNotifyTask(
      backend.baseUrl,
      renamed,
      buildVariables('renamed', {
        'System.CollectionUri': `${organizationUrl}/`,
      }),
      { inputs: { mode: 'refresh' }, timeoutMs: 120_000 },
    );
    assert.equal(run.result, 'Succeeded', run.stdout + run.stderr);
    assert.ok(
      run.log.some(l =>
        /^Refresh requested: location:default\/generated-[0-9a-f]{40}$/.test(l),
      ),
      run.stdout,
    );
    assert.ok(await backend.entity('component:default/new-name'));
  });

  it('warns about files the catalog does not know, with what to do', async () => {
    const other = makeRepo({
      'catalog-info.yaml': component('never-registered'),
    });
    const run = await runNotifyTask(
      backend.baseUrl,
      other,
      'never-registered',
      { inputs: { mode: 'refresh', waitForProcessing: 'false' } },
    );
    assert.equal(run.result, 'SucceededWithIssues', run.stdout + run.stderr);
    assert.ok(
      run.issues.some(
        i =>
          i.type === 'warning' &&
          /nothing to refresh.*use push mode/.test(i.message),
      ),
      run.stdout,
    );
  });
});
