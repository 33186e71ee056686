import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runStagedoor } from '../fixtures/cli';
import { component, type NotifyBackend } from './backend';
import { pushFlags, runNotifyTask, withNotifyBackend } from './helpers';
import { makeRepo } from './repo';

const repoRoot = resolve(__dirname, '..', '..');

const stagedoor = (args: string[], cwd: string) => runStagedoor(args, { cwd });

const skeletonRepo = (name: string) =>
  makeRepo({
    'services/catalog-info.yaml': component(`${name}-svc`),
    'services/more/catalog-info.yml': component(`${name}-more`),
    'templates/svc/template.yaml': [
      'apiVersion: scaffolder.backstage.io/v1beta3',
      'kind: Template',
      'metadata:',
      `  name: ${name}-template`,
      'spec:',
      '  owner: team-a',
      '  type: service',
      '  steps:',
      '    - id: fetch',
      '      action: fetch:template',
      '      input:',
      '        url: ./skeleton',
      '        values:',
      '          name: ${{ parameters.name }}',
      '',
    ].join('\n'),
    'templates/svc/skeleton/catalog-info.yaml': `${component('${{ values.name }}')}{%- if values.system %}\n  system: \${{ values.system }}\n{%- endif %}\n`,
  });

describe('stagedoor push and BackstageCatalogNotify@1 find what stagedoor validate finds', function () {
  this.timeout(180_000);
  let backend: NotifyBackend;

  withNotifyBackend(started => (backend = started));

  it('pushes a folder, a glob or a file, the files validate finds there', async () => {
    const repo = skeletonRepo('paths');
    const validate = await stagedoor(['validate', 'services'], repo);
    assert.match(validate.stderr, /Validated 2 files/);
    const folder = await stagedoor(
      [
        'push',
        'services',
        ...pushFlags(backend.baseUrl, 'paths'),
        '--format',
        'json',
      ],
      repo,
    );
    assert.equal(folder.code, 0, folder.stderr);
    assert.deepEqual(JSON.parse(folder.stdout).added.sort(), [
      'component:default/paths-more',
      'component:default/paths-svc',
    ]);
    assert.ok(await backend.entity('component:default/paths-more'));

    const glob = await stagedoor(
      [
        'push',
        'services/*.yaml',
        ...pushFlags(backend.baseUrl, 'paths'),
        '--dry-run',
        '--format',
        'json',
      ],
      repo,
    );
    assert.equal(glob.code, 0, glob.stderr);
    assert.match(
      glob.stderr,
      /Found 1 catalog file\(s\): services\/catalog-info\.yaml/,
    );

    // From another folder, by absolute path: the root is that path's repository.
    const elsewhere = makeRepo({ 'README.md': '# elsewhere\n' });
    const absolute = await stagedoor(
      [
        'push',
        join(repo, 'services', 'more'),
        ...pushFlags(backend.baseUrl, 'paths'),
        '--dry-run',
        '--format',
        'json',
      ],
      elsewhere,
    );
    assert.equal(absolute.code, 0, absolute.stderr);
    assert.match(
      absolute.stderr,
      /Found 1 catalog file\(s\): catalog-info\.yml/,
    );

    const missing = await stagedoor(
      ['push', 'nowhere', ...pushFlags(backend.baseUrl, 'paths-missing')],
      repo,
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nowhere does not exist/);
  });

  it('leaves template skeletons out with one line, and sends them when told to', async () => {
    const repo = skeletonRepo('skel');
    const run = await stagedoor(
      ['push', ...pushFlags(backend.baseUrl, 'skel'), '--format', 'json'],
      repo,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).added.sort(), [
      'component:default/skel-more',
      'component:default/skel-svc',
    ]);
    const skipped = run.stderr.split('\n').filter(l => l.startsWith('Skipped'));
    assert.equal(skipped.length, 1, run.stderr);
    assert.match(
      skipped[0],
      /Skipped 1 software-template skeleton file\(s\), not catalog files: templates\/svc\/skeleton\/catalog-info\.yaml/,
    );

    const all = await stagedoor(
      [
        'push',
        ...pushFlags(backend.baseUrl, 'skel'),
        '--include-template-skeletons',
        '--dry-run',
      ],
      repo,
    );
    assert.equal(all.code, 1);
    assert.match(
      all.stderr,
      /templates\/svc\/skeleton\/catalog-info\.yaml:\d+:\d+: error/,
    );
    assert.match(all.stderr, /nothing was sent to Backstage/);
  });

  it('the task takes folders in catalogFiles and skips skeletons unless includeTemplateSkeletons', async () => {
    const repo = skeletonRepo('task');
    const run = (inputs: Record<string, string>) =>
      runNotifyTask(backend.baseUrl, repo, 'task', {
        inputs: { waitForProcessing: 'false', dryRun: 'true', ...inputs },
        timeoutMs: 120_000,
      });
    const folder = await run({ catalogFiles: 'services' });
    assert.equal(folder.result, 'Succeeded', folder.stdout + folder.stderr);
    assert.ok(
      folder.log.some(l =>
        /Found 2 catalog file\(s\): services\/catalog-info\.yaml, services\/more\/catalog-info\.yml/.test(
          l,
        ),
      ),
      folder.log.join('\n'),
    );

    const skipping = await run({});
    assert.equal(skipping.result, 'Succeeded', skipping.stdout);
    assert.equal(
      skipping.log.filter(l => l.startsWith('Skipped 1 software-template'))
        .length,
      1,
      skipping.log.join('\n'),
    );
    const including = await run({ includeTemplateSkeletons: 'true' });
    assert.equal(including.result, 'Failed');
    assert.ok(
      including.issues.some(i =>
        (i.properties.sourcepath ?? '').endsWith(
          'templates/svc/skeleton/catalog-info.yaml',
        ),
      ),
      JSON.stringify(including.issues),
    );
  });

  it('pushes the README quick start example folder', async () => {
    // A copy: a push from the checkout itself would take its branch and commit from git.
    const copy = mkdtempSync(join(tmpdir(), 'stagedoor-quickstart-'));
    try {
      cpSync(
        join(repoRoot, 'examples', 'quickstart'),
        join(copy, 'quickstart'),
        {
          recursive: true,
        },
      );
      const run = await stagedoor(
        [
          'push',
          'quickstart',
          ...pushFlags(backend.baseUrl, 'quickstart'),
          '--format',
          'json',
        ],
        copy,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout).added, [
        'component:default/quickstart-service',
      ]);
      const entity = await backend.entity(
        'component:default/quickstart-service',
      );
      assert.equal(entity.spec.owner, 'group:default/platform-team');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
