import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { runTask } from '../fixtures/agent';
import {
  component,
  eventually,
  startNotifyBackend,
  type NotifyBackend,
} from './backend';
import { buildTasks, tokenEndpoint } from './helpers';
import { buildVariables, makeRepo, removeRepos, writeFiles } from './repo';

const TASK = 'BackstageCatalogNotifyV1';

/**
 * Refresh mode against a real catalog that reads the repository itself (a registered
 * location) and would not look again for an hour: a change shows up only because the
 * task asked for a refresh.
 */
describe('BackstageCatalogNotify@1 refresh mode', function () {
  this.timeout(180_000);
  let backend: NotifyBackend;
  let repo: string;

  before(async () => {
    buildTasks();
    repo = makeRepo({
      'catalog-info.yaml': component('pulled', { description: 'before' }),
    });
    backend = await startNotifyBackend({
      catalog: {
        processingInterval: { hours: 1 },
        locations: [{ type: 'file', target: join(repo, 'catalog-info.yaml') }],
      },
    });
    await eventually(
      () => backend.entity('component:default/pulled'),
      'the registered entity',
    );
  });
  after(async () => {
    await backend?.stop();
    removeRepos();
  });

  it('asks the catalog to refresh each entity so a change is read now', async () => {
    writeFiles(repo, {
      'catalog-info.yaml': component('pulled', { description: 'after' }),
    });
    const run = await runTask(TASK, {
      inputs: { backstageConnection: 'backstage-prod', mode: 'refresh' },
      endpoints: tokenEndpoint(backend.baseUrl),
      variables: buildVariables('pulled'),
      sourcesDirectory: repo,
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

  it('warns about files the catalog does not know, with what to do', async () => {
    const other = makeRepo({
      'catalog-info.yaml': component('never-registered'),
    });
    const run = await runTask(TASK, {
      inputs: {
        backstageConnection: 'backstage-prod',
        mode: 'refresh',
        waitForProcessing: 'false',
      },
      endpoints: tokenEndpoint(backend.baseUrl),
      variables: buildVariables('never-registered'),
      sourcesDirectory: other,
    });
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
