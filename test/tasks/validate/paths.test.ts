import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  templateSkeletonFolders,
  templateSkeletonReason,
} from '@stagedoor/common';
import { runStagedoor } from '../../fixtures/cli';
import { runTask } from '../../fixtures/agent';
import {
  cleanRepos,
  component,
  ensureBuilt,
  makeRepo,
  repoRoot,
  teamA,
} from './helpers';

const cli = (args: string[], cwd: string) =>
  runStagedoor(['validate', ...args], { cwd });

const template = (name: string, action: string, url: string) =>
  `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: ${name}
spec:
  owner: team-a
  type: service
  parameters:
    - title: Name
      properties:
        name: { type: string }
  steps:
    - id: fetch
      action: ${action}
      input:
        url: ${url}
        values:
          name: \${{ parameters.name }}
`;

const nunjucksSkeleton = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: \${{ values.name }}
spec:
  type: service
  lifecycle: experimental
  owner: team-a
{%- if values.system %}
  system: \${{ values.system }}
{%- endif %}
`;

/** A repository holding software templates beside its own catalog files. */
const templatesRepo = () =>
  makeRepo({
    'catalog-info.yaml': `${teamA}---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: templates\nspec:\n  targets: [./templates/*/template.yaml]\n`,
    'templates/svc/template.yaml': template(
      'svc',
      'fetch:template',
      './skeleton',
    ),
    'templates/svc/skeleton/catalog-info.yaml': nunjucksSkeleton,
    // A plain skeleton: valid YAML, no templating; only the Template says what it is.
    'templates/plain/template.yaml': template(
      'plain',
      'fetch:plain',
      './content',
    ),
    'templates/plain/content/catalog-info.yaml': component('copied-as-is'),
    // No Template fetches this folder, but its file is a Nunjucks template.
    'cookiecutter/catalog-info.yaml': component('${{ values.name }}'),
  });

describe('stagedoor validate: paths named anywhere, output on every exit', function () {
  this.timeout(120_000);
  after(() => cleanRepos());

  it('validates a path outside the working folder against its repository, with JSON', async () => {
    const repo = makeRepo({
      'catalog-info.yaml': teamA,
      'svc/catalog-info.yaml': component('Bad Name'),
    });
    mkdirSync(join(repo, '.git'));
    const elsewhere = makeRepo({ 'README.md': '# elsewhere\n' });
    const { code, stdout, stderr } = await cli(
      [join(repo, 'svc'), '--format', 'json'],
      elsewhere,
    );
    assert.equal(code, 1, stderr);
    const problems = JSON.parse(stdout);
    assert.deepEqual(
      problems.map((p: { file: string; rule: string }) => [p.file, p.rule]),
      // Every independent problem: the bad name and the owner no file defines.
      [
        ['svc/catalog-info.yaml', 'catalog/field-format'],
        ['svc/catalog-info.yaml', 'ref/unresolved'],
      ],
    );
    // Without a .git above it, the path itself is the root.
    const bare = makeRepo({
      'catalog-info.yaml': `${teamA}---\n${component('ok')}`,
    });
    const alone = await cli([bare, '--format', 'json'], elsewhere);
    assert.deepEqual([alone.code, JSON.parse(alone.stdout)], [0, []]);
    const file = await cli(
      [join(bare, 'catalog-info.yaml'), '--format', 'json'],
      elsewhere,
    );
    assert.deepEqual([file.code, JSON.parse(file.stdout)], [0, []]);
  });

  it('still prints one parseable JSON or SARIF document when it exits 2', async () => {
    const repo = makeRepo({
      'catalog-info.yaml': teamA,
      '.stagedoor.yaml': 'rules: [not, a, map\n',
    });
    for (const [args, rule, message] of [
      [['missing-dir'], 'stagedoor/usage', /missing-dir does not exist/],
      [['--fail-on', 'sometimes'], 'stagedoor/usage', /--fail-on must be/],
      [['--bogus'], 'stagedoor/usage', /unknown option --bogus/],
      [[], 'stagedoor/input', /\.stagedoor\.yaml/],
    ] as const) {
      const json = await cli([...args, '--format', 'json'], repo);
      assert.equal(json.code, 2, json.stderr);
      const doc = JSON.parse(json.stdout);
      assert.equal(doc.length, 1);
      assert.equal(doc[0].severity, 'error');
      assert.equal(doc[0].rule, rule);
      assert.match(doc[0].message, message);
      assert.match(json.stderr, message);

      const sarif = await cli([...args, '--format=sarif'], repo);
      assert.equal(sarif.code, 2);
      const run = JSON.parse(sarif.stdout).runs[0];
      assert.equal(run.invocations[0].executionSuccessful, false);
      const [note] = run.invocations[0].toolExecutionNotifications;
      assert.equal(note.level, 'error');
      assert.equal(note.descriptor.id, rule);
      assert.match(note.message.text, message);
      assert.deepEqual(run.results, []);
    }
    const ok = await cli(
      ['--format=sarif'],
      makeRepo({ 'catalog-info.yaml': teamA }),
    );
    assert.equal(
      JSON.parse(ok.stdout).runs[0].invocations[0].executionSuccessful,
      true,
    );
  });

  it('accepts files, folders and globs alike', async () => {
    const repo = makeRepo({
      'a/catalog-info.yaml': teamA,
      'b/catalog-info.yaml': component('b'),
      'c/extra.yaml': component('c'),
    });
    const run = async (...args: string[]) => {
      const { code, stderr } = await cli(args, repo);
      assert.equal(code, 0, stderr);
      return stderr.match(/Validated (\d+) file/)?.[1];
    };
    assert.equal(await run('a', 'b'), '2');
    assert.equal(await run('a/catalog-info.yaml', 'c/*.yaml'), '2');
    assert.equal(await run(join(repo, 'c', '*.yaml'), 'a'), '2');
  });
});

describe('template skeletons', function () {
  this.timeout(120_000);
  after(() => cleanRepos());

  it('knows a skeleton by the Template that fetches it or by its templating', () => {
    const folders = templateSkeletonFolders(
      'templates/svc/template.yaml',
      template('svc', 'fetch:template', './skeleton'),
    );
    assert.deepEqual(folders, ['templates/svc/skeleton']);
    assert.deepEqual(
      templateSkeletonFolders(
        't/template.yaml',
        template('x', 'fetch:template', 'https://dev.azure.com/o/p/_git/r'),
      ),
      [],
    );
    assert.deepEqual(
      templateSkeletonFolders('catalog-info.yaml', component('svc')),
      [],
    );
    const reason = (path: string, content: string) =>
      templateSkeletonReason(path, content, new Set(folders));
    assert.match(
      reason('templates/svc/skeleton/catalog-info.yaml', component('x'))!,
      /templates\/svc\/skeleton\/, the skeleton a Template fetches/,
    );
    assert.match(reason('x/catalog-info.yaml', nunjucksSkeleton)!, /{% %}/);
    assert.match(
      reason('x/catalog-info.yaml', component('${{ values.name }}'))!,
      /\$\{\{ \}\}/,
    );
    // A Template's own file holds ${{ }} in its steps and is a catalog file.
    assert.equal(
      reason(
        'templates/svc/template.yaml',
        template('svc', 'fetch:template', './skeleton'),
      ),
      undefined,
    );
    assert.equal(reason('svc/catalog-info.yaml', component('svc')), undefined);
  });

  it('leaves skeleton files out with one line saying so, unless told to include them', async () => {
    const repo = templatesRepo();
    const { code, stdout, stderr } = await cli(['--format', 'json'], repo);
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), []);
    const lines = stderr.split('\n').filter(l => l.startsWith('Skipped'));
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], /^Skipped 3 software-template skeleton file\(s\)/);
    for (const path of [
      'cookiecutter/catalog-info.yaml',
      'templates/plain/content/catalog-info.yaml',
      'templates/svc/skeleton/catalog-info.yaml',
    ])
      assert.ok(lines[0].includes(path), path);
    assert.match(lines[0], /--include-template-skeletons/);
    // The two Template files (through the Location) and the root file are validated.
    assert.match(stderr, /Validated 3 files: 4 valid entities, 0 errors/);

    const all = await cli(
      ['--format', 'json', '--include-template-skeletons'],
      repo,
    );
    assert.equal(all.code, 1);
    assert.doesNotMatch(all.stderr, /Skipped/);
    const files = new Set(
      JSON.parse(all.stdout)
        .filter((p: { severity: string }) => p.severity === 'error')
        .map((p: { file: string }) => p.file),
    );
    assert.deepEqual([...files].sort(), [
      'cookiecutter/catalog-info.yaml',
      'templates/svc/skeleton/catalog-info.yaml',
    ]);
  });

  it('the validate task skips them too, takes folders in patterns, and has an input to include them', async () => {
    ensureBuilt();
    const repo = templatesRepo();
    const skipping = await runTask('BackstageCatalogValidateV1', {
      sourcesDirectory: repo,
      inputs: { patterns: 'templates\ncookiecutter\ncatalog-info.yaml' },
    });
    assert.equal(skipping.result, 'Succeeded', skipping.stdout);
    assert.equal(
      skipping.log.filter(l =>
        l.startsWith('Skipped 3 software-template skeleton file(s)'),
      ).length,
      1,
      skipping.log.join('\n'),
    );
    const including = await runTask('BackstageCatalogValidateV1', {
      sourcesDirectory: repo,
      inputs: { includeTemplateSkeletons: 'true' },
    });
    assert.equal(including.result, 'Failed');
    assert.deepEqual(
      [
        ...new Set(
          including.issues
            .filter(i => i.properties.sourcepath)
            .map(i => i.properties.sourcepath),
        ),
      ].sort(),
      [
        'cookiecutter/catalog-info.yaml',
        'templates/svc/skeleton/catalog-info.yaml',
      ],
    );
  });

  it('makes the README quick start pass: this repository and its example folder', async () => {
    ensureBuilt();
    const run = promisify(execFile);
    const bin = join(repoRoot, 'cli/bin/stagedoor.js');
    const atRoot = await run(
      process.execPath,
      [bin, 'validate', '--format', 'json'],
      { cwd: repoRoot },
    );
    assert.ok(
      !JSON.parse(atRoot.stdout).some(
        (p: { severity: string }) => p.severity === 'error',
      ),
      atRoot.stdout,
    );
    assert.match(
      atRoot.stderr,
      /Skipped \d+ software-template skeleton file\(s\), not catalog files: .*backstage-modules\/backend\/examples\/templates\/dotnet-microservice\/skeleton\/catalog-info\.yaml/,
    );
    const example = await run(
      process.execPath,
      [bin, 'validate', 'examples/quickstart', '--format', 'json'],
      { cwd: repoRoot },
    );
    assert.deepEqual(
      JSON.parse(example.stdout).map((p: { rule: string }) => p.rule),
      ['ref/unresolved', 'ref/unresolved'],
    );
    assert.match(example.stderr, /Validated 1 file: 1 valid entity, 0 errors/);
  });
});
