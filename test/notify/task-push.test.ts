import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { startFakeAzureDevOps } from '../fixtures/azure-devops';
import { TOKEN, component, eventually, type NotifyBackend } from './backend';
import { runNotifyTask, withNotifyBackend } from './helpers';
import { buildVariables, makeRepo, writeFiles } from './repo';

/**
 * The bundled task, run the way the agent runs it, against a real catalog with the
 * Stagedoor push module: what users see is the `##vso` output and the catalog's API.
 */
describe('BackstageCatalogNotify@1 push mode', function () {
  this.timeout(180_000);
  let backend: NotifyBackend;

  withNotifyBackend(started => (backend = started));

  it('pushes new entities, waits until they are processed and links them', async () => {
    const repo = makeRepo({
      'catalog-info.yaml': [
        component('checkout'),
        '---',
        'apiVersion: backstage.io/v1alpha1',
        'kind: Location',
        'metadata:',
        '  name: checkout-more',
        'spec:',
        '  targets: [./services/worker.yaml]',
        '',
      ].join('\n'),
      'services/worker.yaml': component('checkout-worker'),
    });
    const run = await runNotifyTask(backend.baseUrl, repo, 'checkout', {
      timeoutMs: 120_000,
    });
    assert.equal(run.result, 'Succeeded', run.stdout + run.stderr);
    assert.deepEqual(run.issues, []);
    assert.match(
      run.resultMessage ?? '',
      /2 added, 0 updated, 0 removed, 0 unchanged; all 2 entities processed/,
    );
    assert.equal(run.variables.STAGEDOOR_NOTIFY_RAN, 'true');
    assert.equal(run.variables.sourceKey, 'contoso/shop/checkout@main');
    assert.equal(run.variables.changed, 'true');
    assert.deepEqual(run.variables.entityRefs.split(',').sort(), [
      'component:default/checkout',
      'component:default/checkout-worker',
    ]);
    assert.ok(
      run.variables.entityUrls
        .split(',')
        .includes(`${backend.baseUrl}/catalog/default/component/checkout`),
    );
    assert.ok(
      run.secrets.includes(TOKEN),
      'the token is registered as a secret',
    );
    // (task-lib's own debug lines echo endpoint parameters; the agent masks those as secrets)
    assert.ok(
      !run.log.some(l => l.includes(TOKEN)),
      'the token never reaches the log',
    );
    const summary = run.summaries[0]?.content ?? '';
    assert.match(
      summary,
      /\[component:default\/checkout\]\(http:\/\/localhost:\d+\/catalog\/default\/component\/checkout\) \| added \| processed/,
    );
    const worker = await backend.entity('component:default/checkout-worker');
    assert.equal(
      worker?.metadata.annotations['stagedoor.io/source-key'],
      'contoso/shop/checkout@main',
    );
  });

  it('updates changed entities and removes the ones the files no longer hold', async () => {
    const repo = makeRepo({
      'catalog-info.yaml':
        component('basket') + '---\n' + component('basket-worker'),
    });
    const first = await runNotifyTask(backend.baseUrl, repo, 'basket', {
      inputs: { waitForProcessing: 'false' },
    });
    assert.equal(first.result, 'Succeeded', first.stdout + first.stderr);
    writeFiles(repo, {
      'catalog-info.yaml': component('basket', {
        description: 'Holds the basket',
      }),
    });
    const second = await runNotifyTask(backend.baseUrl, repo, 'basket', {
      timeoutMs: 120_000,
    });
    assert.equal(second.result, 'Succeeded', second.stdout + second.stderr);
    assert.match(
      second.resultMessage ?? '',
      /0 added, 1 updated, 1 removed, 0 unchanged/,
    );
    assert.ok(
      second.log.some(l => l === 'Removed: component:default/basket-worker'),
      second.stdout + second.stderr,
    );
    assert.equal(
      (await backend.entity('component:default/basket'))?.metadata.description,
      'Holds the basket',
    );
    await eventually(
      async () =>
        (await backend.entity('component:default/basket-worker'))
          ? undefined
          : true,
      'basket-worker removed',
    );
  });

  it('shows what would change on a dry run and changes nothing', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('dry-orders') });
    const run = await runNotifyTask(backend.baseUrl, repo, 'dry-orders', {
      inputs: { dryRun: 'true' },
    });
    assert.equal(run.result, 'Succeeded', run.stdout + run.stderr);
    assert.match(
      run.resultMessage ?? '',
      /Dry run: 1 added.*nothing was changed/,
    );
    assert.equal(
      await backend.entity('component:default/dry-orders'),
      undefined,
    );
  });

  it('reports local validation errors at their line and sends nothing', async () => {
    const repo = makeRepo({
      'catalog-info.yaml':
        component('broken').replace('  type: service\n', '') + 'spec: {}\n',
    });
    const run = await runNotifyTask(backend.baseUrl, repo, 'broken');
    assert.equal(run.result, 'Failed', run.stdout + run.stderr);
    const errors = run.issues.filter(
      i => i.type === 'error' && i.properties.sourcepath,
    );
    assert.ok(errors.length > 0, run.stdout + run.stderr);
    assert.equal(errors[0].properties.sourcepath, 'catalog-info.yaml');
    assert.ok(Number(errors[0].properties.linenumber) > 0);
    assert.match(run.resultMessage ?? '', /nothing was sent to Backstage/);
    assert.equal(await backend.entity('component:default/broken'), undefined);
  });

  it('succeeds quietly in a repository without catalog files', async () => {
    const repo = makeRepo({ 'README.md': '# nothing here\n' });
    const run = await runNotifyTask(backend.baseUrl, repo, 'empty');
    assert.equal(run.result, 'Succeeded');
    assert.deepEqual(run.issues, []);
    assert.equal(run.log.length, 1, run.log.join('\n'));
    assert.match(run.log[0], /No catalog files found/);
    assert.equal(run.variables.STAGEDOOR_NOTIFY_RAN, 'true');
  });

  it('acts on the default branch Azure DevOps reports for the repository', async () => {
    const ado = await startFakeAzureDevOps({
      projects: [{ name: 'shop', repositories: ['trunky'] }],
      bearerTokens: { 'job-access-token': { displayName: 'Build Service' } },
    });
    try {
      const project = ado.state.project('shop');
      const repository = ado.state.repository(project, 'trunky');
      repository.defaultBranch = 'refs/heads/trunk';
      const repo = makeRepo({ 'catalog-info.yaml': component('trunky') });
      const run = (branch: string) =>
        runNotifyTask(
          backend.baseUrl,
          repo,
          buildVariables('trunky', {
            'System.CollectionUri': `${ado.orgUrl}/`,
            'Build.Repository.ID': repository.id,
            'Build.SourceBranch': branch,
          }),
          {
            inputs: { waitForProcessing: 'false' },
            systemAccessToken: 'job-access-token',
          },
        );
      const main = await run('refs/heads/main');
      assert.match(
        main.resultMessage ?? '',
        /branch 'main' is not the repository's default branch \(trunk\)/,
      );
      const trunk = await run('refs/heads/trunk');
      assert.equal(trunk.result, 'Succeeded', trunk.stdout + trunk.stderr);
      assert.match(trunk.resultMessage ?? '', /1 added/);
      assert.ok(
        ado.requests.some(
          r => r.method === 'GET' && /_apis\/git\/repositories\//.test(r.path),
        ),
      );
    } finally {
      await ado.close();
    }
  });

  it('skips pull-request builds and other branches with the reason', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('pr-skip') });
    const pr = await runNotifyTask(
      backend.baseUrl,
      repo,
      buildVariables('pr-skip', {
        'Build.Reason': 'PullRequest',
        'Build.SourceBranch': 'refs/pull/7/merge',
      }),
    );
    assert.equal(pr.result, 'Succeeded');
    assert.match(
      pr.resultMessage ?? '',
      /pull-request build.*runOnPullRequests/,
    );
    const feature = await runNotifyTask(
      backend.baseUrl,
      repo,
      buildVariables('pr-skip', {
        'Build.SourceBranch': 'refs/heads/feature/x',
      }),
    );
    assert.match(
      feature.resultMessage ?? '',
      /not the repository's default branch.*branchFilter/,
    );
    assert.equal(await backend.entity('component:default/pr-skip'), undefined);
    rmSync(repo, { recursive: true, force: true });
  });
});
