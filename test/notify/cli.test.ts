import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { runStagedoor } from '../fixtures/cli';
import { TOKEN, component, type NotifyBackend } from './backend';
import { pushFlags, sourceFlags, withNotifyBackend } from './helpers';
import { makeRepo } from './repo';

const cliJs = resolve(__dirname, '..', '..', 'cli', 'dist', 'cli.js');

/** Runs `stagedoor …` in-process and captures what it prints. */
const stagedoor = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  runStagedoor(args, { cwd, env });

describe('stagedoor push and stagedoor refresh', function () {
  this.timeout(180_000);
  let backend: NotifyBackend;

  withNotifyBackend(started => (backend = started));

  it('prints the answer as JSON and exits 0 once everything is applied and processed', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('cli-orders') });
    const run = await stagedoor(
      ['push', ...pushFlags(backend.baseUrl, 'cli-orders'), '--format', 'json'],
      repo,
    );
    assert.equal(run.code, 0, run.stderr);
    const result = run.json();
    assert.equal(result.status, 'succeeded');
    assert.deepEqual(result.added, ['component:default/cli-orders']);
    assert.deepEqual(
      [result.updated, result.removed, result.unchanged, result.problems],
      [[], [], [], []],
    );
    assert.equal(result.processing[0].state, 'processed');
    assert.ok(await backend.entity('component:default/cli-orders'));
  });

  it('takes the URL, the token and the pipeline variables from the environment', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('cli-env') });
    const env = {
      STAGEDOOR_URL: backend.baseUrl,
      STAGEDOOR_TOKEN: TOKEN,
      SYSTEM_COLLECTIONURI: 'https://dev.azure.com/contoso/',
      SYSTEM_TEAMPROJECT: 'shop',
      BUILD_REPOSITORY_NAME: 'cli-env',
      BUILD_SOURCEBRANCH: 'refs/heads/main',
      BUILD_SOURCEVERSION: 'e'.repeat(40),
      BUILD_BUILDID: '77',
    };
    const run = await stagedoor(
      ['push', '--no-wait', '--format', 'json'],
      repo,
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json().sourceKey, 'contoso/shop/cli-env@main');
    assert.ok(!run.stderr.includes(TOKEN));
  });

  it('shows a dry run without changing anything', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('cli-dry') });
    const run = await stagedoor(
      [
        'push',
        ...pushFlags(backend.baseUrl, 'cli-dry'),
        '--dry-run',
        '--format',
        'json',
      ],
      repo,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.json().added, ['component:default/cli-dry']);
    assert.equal(await backend.entity('component:default/cli-dry'), undefined);
  });

  it('asks for a refresh of the entities of the given files', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('cli-orders') });
    const run = await stagedoor(
      [
        'refresh',
        'catalog-info.yaml',
        ...pushFlags(backend.baseUrl, 'cli-orders'),
        '--format',
        'json',
      ],
      repo,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.json().refreshed, ['component:default/cli-orders']);
  });

  it('takes the branch and commit from the local checkout, and refuses an older commit after a newer one', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('cli-laptop') });
    // Committer dates are what orders pushes without a build id; make them distinct.
    let date = Date.parse('2026-01-01T00:00:00Z');
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repo,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'dev',
          GIT_AUTHOR_EMAIL: 'dev@example.com',
          GIT_COMMITTER_NAME: 'dev',
          GIT_COMMITTER_EMAIL: 'dev@example.com',
          GIT_COMMITTER_DATE: new Date((date += 60_000)).toISOString(),
        },
      }).trim();
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const older = git('rev-parse', 'HEAD');
    git('commit', '-q', '--allow-empty', '-m', 'second');
    const where = [
      '--url',
      backend.baseUrl,
      '--token',
      TOKEN,
      '--organization',
      'https://dev.azure.com/contoso',
      '--project',
      'shop',
      '--repository',
      'cli-laptop',
      '--no-wait',
      '--format',
      'json',
    ];
    const newer = await stagedoor(['push', ...where], repo);
    assert.equal(newer.code, 0, newer.stderr);
    assert.equal(newer.json().sourceKey, 'contoso/shop/cli-laptop@main');
    assert.equal(newer.json().commit, git('rev-parse', 'HEAD'));
    // The branch moved back to the first commit: an older commit than the one applied.
    git('checkout', '-q', '-B', 'main', older);
    const stale = await stagedoor(['push', ...where], repo);
    assert.equal(stale.code, 1, stale.stdout);
    assert.match(stale.stderr, /newer|stale/i);
  });

  it('exits 1 with the failure class when something was not applied', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('cli-orders') });
    const conflict = await stagedoor(
      ['push', ...pushFlags(backend.baseUrl, 'cli-other'), '--format', 'json'],
      repo,
    );
    assert.equal(conflict.code, 1);
    assert.equal(conflict.json().error.kind, 'conflict');
    assert.match(
      conflict.stderr,
      /component:default\/cli-orders.*contoso\/shop\/cli-orders@main/,
    );
    const denied = await stagedoor(
      ['push', ...pushFlags(backend.baseUrl, 'cli-x', 'wrong')],
      repo,
    );
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      /error: Backstage rejected the credentials \(401\)/,
    );
  });

  it('reports local problems at their line and exits 1 without sending', async () => {
    const repo = makeRepo({
      'catalog-info.yaml':
        'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not Valid!\n',
    });
    const run = await stagedoor(
      ['push', ...pushFlags(backend.baseUrl, 'cli-bad')],
      repo,
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^catalog-info\.yaml:\d+:\d+: error: /m);
    assert.match(run.stderr, /nothing was sent to Backstage/);
  });

  it('exits 2 with the usage on bad flags', async () => {
    const noUrl = await stagedoor(['push', '--token', TOKEN], makeRepo({}));
    assert.equal(noUrl.code, 2);
    assert.match(
      noUrl.stderr,
      /--url or STAGEDOOR_URL[\s\S]*Usage: stagedoor push/,
    );
    const badFormat = await stagedoor(
      ['refresh', '--url', 'http://x', '--token', 't', '--format', 'xml'],
      makeRepo({}),
    );
    assert.equal(badFormat.code, 2);
    const unknown = await stagedoor(['push', '--bogus'], makeRepo({}));
    assert.equal(unknown.code, 2);
  });

  it('runs the same from the bundled CLI', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('cli-bundled') });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        cliJs,
        'push',
        '--url',
        backend.baseUrl,
        ...sourceFlags('cli-bundled'),
        '--format',
        'json',
      ],
      { cwd: repo, env: { PATH: process.env.PATH, STAGEDOOR_TOKEN: TOKEN } },
    );
    assert.deepEqual(JSON.parse(stdout).added, [
      'component:default/cli-bundled',
    ]);
    assert.ok(await backend.entity('component:default/cli-bundled'));
  });
});
