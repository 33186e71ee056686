import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runStagedoor } from '../../fixtures/cli';
import { discoverCatalogFiles } from '../../../tasks/shared/src/validate';
import {
  cleanRepos,
  component,
  ensureBuilt,
  makeRepo,
  repoRoot,
  teamA,
} from './helpers';

const cli = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  runStagedoor(['validate', ...args], { cwd, env });

describe('stagedoor validate', function () {
  this.timeout(120_000);
  after(() => cleanRepos());

  const repo = () =>
    makeRepo({
      'catalog-info.yaml': `${teamA}---\n${component('Bad Name')}`,
      'svc/catalog-info.yml': component('billing', '', 'team-b'),
      'node_modules/x/catalog-info.yaml': 'not: [an entity',
    });

  it('prints an array of problems with --format json and exits 1 on errors', async () => {
    const { code, stdout } = await cli(['--format', 'json'], repo());
    assert.equal(code, 1);
    assert.deepEqual(JSON.parse(stdout), [
      {
        file: 'catalog-info.yaml',
        line: 12,
        column: 9,
        severity: 'error',
        rule: 'catalog/field-format',
        message: `metadata.name "Bad Name" is not a valid name: names may contain letters, digits, '-', '_' and '.', must start and end with a letter or digit, and have at most 63 characters.`,
        entityRef: 'component:default/bad name',
      },
      {
        file: 'svc/catalog-info.yml',
        line: 8,
        column: 10,
        severity: 'warning',
        rule: 'ref/unresolved',
        message:
          'spec.owner refers to group:default/team-b, which is defined in none of these files; check the name or define the entity.',
        entityRef: 'component:default/billing',
      },
    ]);
  });

  it('exits 0 when only warnings are found, and validates only the paths given', async () => {
    const root = repo();
    const { code, stdout, stderr } = await cli(['svc'], root);
    assert.equal(code, 0);
    assert.equal(
      stdout,
      'svc/catalog-info.yml:8:10  warning  spec.owner refers to group:default/team-b, which is defined in none of these files; check the name or define the entity.  [ref/unresolved]\n',
    );
    assert.match(
      stderr,
      /Validated 1 file: 1 valid entity, 0 errors, 1 warning/,
    );
    assert.equal((await cli(['svc', '--fail-on', 'warning'], root)).code, 1);
    assert.equal(
      (await cli([join(root, 'svc', 'catalog-info.yml'), '--strict'], root))
        .code,
      1,
    );
  });

  it('prints an empty array and exits 0 where there are no catalog files', async () => {
    const { code, stdout, stderr } = await cli(
      ['--format', 'json'],
      makeRepo({ 'README.md': '# nothing\n' }),
    );
    assert.deepEqual([code, JSON.parse(stdout)], [0, []]);
    assert.match(stderr, /No catalog files found/);
  });

  it('writes SARIF that code-scanning views read', async () => {
    const { code, stdout } = await cli(['--format=sarif'], repo());
    assert.equal(code, 1);
    const sarif = JSON.parse(stdout);
    assert.equal(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, 'stagedoor');
    assert.deepEqual(
      run.tool.driver.rules.map((r: { id: string }) => r.id),
      ['catalog/field-format', 'ref/unresolved'],
    );
    assert.deepEqual(run.results[0].locations[0].physicalLocation, {
      artifactLocation: { uri: 'catalog-info.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: 12, startColumn: 9 },
    });
    assert.equal(run.results[1].level, 'warning');
  });

  it('answers bad usage with exit code 2 and what to fix', async () => {
    const root = repo();
    for (const [args, message] of [
      [['--format', 'xml'], /--format must be text, json or sarif/],
      [['--fail-on', 'sometimes'], /--fail-on must be error, warning or never/],
      [['missing-dir'], /missing-dir does not exist/],
      [['--bogus'], /unknown option --bogus/],
      [
        ['--backstage-url', 'http://127.0.0.1:9'],
        /needs --token or BACKSTAGE_TOKEN/,
      ],
    ] as const) {
      const { code, stderr } = await cli([...args], root);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
    }
  });

  it('runs from the bundle as a process, the way CI systems call it', async () => {
    ensureBuilt();
    const root = repo();
    const run = promisify(execFile);
    const ok = await run(
      process.execPath,
      [
        join(repoRoot, 'cli/bin/stagedoor.js'),
        'validate',
        'svc',
        '--format',
        'json',
      ],
      { cwd: root },
    );
    assert.equal(JSON.parse(ok.stdout).length, 1);
    await assert.rejects(
      run(
        process.execPath,
        [join(repoRoot, 'cli/bin/stagedoor.js'), 'validate'],
        { cwd: root },
      ),
      (e: { code: number }) => e.code === 1,
    );
  });
});

describe('discoverCatalogFiles', () => {
  after(() => cleanRepos());

  it('finds catalog files anywhere except node_modules, follows Location targets and reads each file once', async () => {
    const root = makeRepo({
      'catalog-info.yaml':
        'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n  targets: [./teams/*.yaml, ./svc/catalog-info.yaml, ../outside.yaml, https://example.com/x.yaml]\n',
      'svc/catalog-info.yaml': component('svc'),
      'teams/a.yaml': teamA,
      'teams/b.yaml':
        'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: nested\nspec:\n  target: ../more/c.yaml\n',
      'more/c.yaml': component('c'),
      'node_modules/pkg/catalog-info.yaml': component('dep'),
      'docs/other.yaml': component('other'),
    });
    const files = await discoverCatalogFiles(root);
    assert.deepEqual(
      files.map(f => f.path),
      [
        'catalog-info.yaml',
        'more/c.yaml',
        'svc/catalog-info.yaml',
        'teams/a.yaml',
        'teams/b.yaml',
      ],
    );
    assert.ok(Buffer.isBuffer(files[0].content));
    const noFollow = await discoverCatalogFiles(root, undefined, {
      followLocations: false,
    });
    assert.deepEqual(
      noFollow.map(f => f.path),
      ['catalog-info.yaml', 'svc/catalog-info.yaml'],
    );
    const custom = await discoverCatalogFiles(root, [
      'docs/*.yaml',
      '!docs/skip.yaml',
    ]);
    assert.deepEqual(
      custom.map(f => f.path),
      ['docs/other.yaml'],
    );
  });

  it('says which folder is missing', async () => {
    await assert.rejects(
      discoverCatalogFiles('/nonexistent/stagedoor'),
      /\/nonexistent\/stagedoor, does not exist/,
    );
  });
});
