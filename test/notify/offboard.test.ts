import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runStagedoor } from '../fixtures/cli';
import { component, eventually, type NotifyBackend } from './backend';
import { pushFlags, runNotifyTask, withNotifyBackend } from './helpers';
import { makeRepo, writeFiles } from './repo';

/**
 * Offboarding from the pipeline: a repository whose last catalog file is gone has its
 * source's entities removed by the notify task and `stagedoor push` (unless turned off),
 * read back through the catalog's API.
 */
describe('notify: removing a source when its repository has no catalog files left', function () {
  this.timeout(180_000);
  let backend: NotifyBackend;
  const gone = async (ref: string) =>
    eventually(
      async () => ((await backend.entity(ref)) ? undefined : true),
      `${ref} removed`,
    );
  const task = (repo: string, name: string, inputs: Record<string, string>) =>
    runNotifyTask(backend.baseUrl, repo, name, {
      inputs,
      timeoutMs: 120_000,
    });
  const cli = (repo: string, name: string, ...args: string[]) =>
    runStagedoor(
      [
        'push',
        ...pushFlags(backend.baseUrl, name),
        ...args,
        '--format',
        'json',
      ],
      { cwd: repo },
    );

  withNotifyBackend(started => (backend = started));

  it('the task removes the entities once the last catalog file is deleted, and says which', async () => {
    const repo = makeRepo({
      'catalog-info.yaml':
        component('leaver') + '---\n' + component('leaver-worker'),
    });
    const first = await task(repo, 'leaver', { waitForProcessing: 'false' });
    assert.equal(first.result, 'Succeeded', first.stdout + first.stderr);
    await eventually(
      () => backend.entity('component:default/leaver-worker'),
      'leaver-worker in the catalog',
    );
    rmSync(join(repo, 'catalog-info.yaml'));

    const dry = await task(repo, 'leaver', { dryRun: 'true' });
    assert.equal(dry.result, 'Succeeded', dry.stdout + dry.stderr);
    assert.match(
      dry.resultMessage ?? '',
      /^Dry run: No catalog files found .* 2 entities of contoso\/shop\/leaver@main would be removed: component:default\/leaver, component:default\/leaver-worker; nothing was changed\.$/,
    );
    assert.ok(await backend.entity('component:default/leaver'));

    const run = await task(repo, 'leaver', {});
    assert.equal(run.result, 'Succeeded', run.stdout + run.stderr);
    assert.deepEqual(run.issues, []);
    assert.match(
      run.resultMessage ?? '',
      /Removed 2 entities of contoso\/shop\/leaver@main from the catalog: component:default\/leaver, component:default\/leaver-worker\./,
    );
    assert.equal(run.variables.changed, 'true');
    assert.equal(run.variables.sourceKey, 'contoso/shop/leaver@main');
    assert.match(run.summaries[0]?.content ?? '', /leaver-worker \| removed/);
    await gone('component:default/leaver');
    await gone('component:default/leaver-worker');

    // Nothing left: a later run changes nothing and says so.
    const again = await task(repo, 'leaver', {});
    assert.equal(again.result, 'Succeeded', again.stdout + again.stderr);
    assert.match(
      again.resultMessage ?? '',
      /Nothing to remove: contoso\/shop\/leaver@main has no entities in the catalog/,
    );
  });

  it('the task leaves the entities with removeWhenNoFiles: false', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('stayer') });
    const first = await task(repo, 'stayer', { waitForProcessing: 'false' });
    assert.equal(first.result, 'Succeeded', first.stdout + first.stderr);
    await eventually(
      () => backend.entity('component:default/stayer'),
      'stayer in the catalog',
    );
    rmSync(join(repo, 'catalog-info.yaml'));
    const run = await task(repo, 'stayer', { removeWhenNoFiles: 'false' });
    assert.equal(run.result, 'Succeeded', run.stdout + run.stderr);
    assert.match(
      run.resultMessage ?? '',
      /^No catalog files found .*; nothing to push\.$/,
    );
    const status = await backend.get(
      `/stagedoor/v1/sources/${encodeURIComponent('contoso/shop/stayer@main')}`,
    );
    assert.equal(status.body.entities.length, 1);
    assert.ok(await backend.entity('component:default/stayer'));
  });

  it('stagedoor push removes them too, and --keep-when-no-files leaves them', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('cli-leaver') });
    const first = await cli(repo, 'cli-leaver', '--no-wait');
    assert.equal(first.code, 0, first.stderr);
    await eventually(
      () => backend.entity('component:default/cli-leaver'),
      'cli-leaver in the catalog',
    );
    rmSync(join(repo, 'catalog-info.yaml'));

    const kept = await cli(repo, 'cli-leaver', '--keep-when-no-files');
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(kept.json().status, 'no-files');
    assert.deepEqual(kept.json().removed, []);
    assert.ok(await backend.entity('component:default/cli-leaver'));

    const run = await cli(repo, 'cli-leaver');
    assert.equal(run.code, 0, run.stderr);
    const result = run.json();
    assert.equal(result.status, 'succeeded');
    assert.equal(result.sourceKey, 'contoso/shop/cli-leaver@main');
    assert.deepEqual(result.removed, ['component:default/cli-leaver']);
    assert.match(
      result.message,
      /Removed 1 entities of contoso\/shop\/cli-leaver@main/,
    );
    await gone('component:default/cli-leaver');
  });

  it('says on a dry run when a push would remove every entity of the source', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('cli-emptied') });
    const first = await cli(repo, 'cli-emptied', '--no-wait');
    assert.equal(first.code, 0, first.stderr);
    writeFiles(repo, {
      'catalog-info.yaml': '# moved to another repository\n',
    });
    const dry = await cli(repo, 'cli-emptied', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(dry.json().removed, ['component:default/cli-emptied']);
    assert.match(
      dry.json().message,
      /^Dry run: 0 added, 0 updated, 1 removed, 0 unchanged; this push would remove every entity of contoso\/shop\/cli-emptied@main; nothing was changed\.$/,
    );
    assert.ok(dry.stderr.includes('would remove every entity'), dry.stderr);
  });
});
