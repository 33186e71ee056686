import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { CollectingReporter } from '../../tasks/shared/src/reporter';
import {
  GenerateError,
  addPlugins,
  blobNameFor,
  contentTypeFor,
  findDocsTargets,
  generateSite,
  parseEntityTriplet,
  staleBlobs,
  writeTechDocsMetadata,
} from '../../tasks/shared/src/techdocs';

// techdocs-node's own helpers (no `exports` map, so its dist files can be loaded directly):
// the layout and metadata are checked against the code the techdocs backend runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const publishHelpers = require('@backstage/plugin-techdocs-node/dist/stages/publish/helpers.cjs.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const generateHelpers = require('@backstage/plugin-techdocs-node/dist/stages/generate/helpers.cjs.js');

const quietLogger = { warn() {}, info() {}, error() {}, debug() {} };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'stagedoor-techdocs-unit-'));
}

describe('techdocs layout and metadata', () => {
  describe('blob names', () => {
    const cases: [string, string, string, boolean][] = [
      ['default', 'Component', 'Payments-API', false],
      ['default', 'Component', 'Payments-API', true],
      ['Team-A', 'System', 'orders', false],
      ['default', 'api', 'x', false],
    ];
    for (const [namespace, kind, name, legacy] of cases) {
      for (const file of [
        'index.html',
        'guide/index.html',
        'assets/Logo.PNG',
        'techdocs_metadata.json',
      ]) {
        it(`puts ${file} of ${namespace}/${kind}/${name}${legacy ? ' (case-sensitive)' : ''} where techdocs-node does`, () => {
          const entity = { kind, metadata: { namespace, name } };
          assert.equal(
            blobNameFor({ namespace, kind, name }, file, legacy),
            publishHelpers.getCloudPathForLocalPath(entity, file, legacy),
          );
        });
      }
    }
  });

  it('parses entity references in both spellings and rejects others with the expected form', () => {
    assert.deepEqual(parseEntityTriplet('default/Component/api'), {
      namespace: 'default',
      kind: 'Component',
      name: 'api',
    });
    assert.deepEqual(parseEntityTriplet('component:team/api'), {
      namespace: 'team',
      kind: 'component',
      name: 'api',
    });
    assert.deepEqual(parseEntityTriplet('component:api'), {
      namespace: 'default',
      kind: 'component',
      name: 'api',
    });
    assert.throws(
      () => parseEntityTriplet('api'),
      /namespace>\/<kind>\/<name>/,
    );
  });

  it('stores real content types', () => {
    assert.equal(contentTypeFor('index.html'), 'text/html; charset=utf-8');
    assert.equal(contentTypeFor('css/base.css'), 'text/css; charset=utf-8');
    assert.equal(contentTypeFor('img/a.png'), 'image/png');
    assert.equal(
      contentTypeFor('techdocs_metadata.json'),
      'application/json; charset=utf-8',
    );
    assert.equal(contentTypeFor('LICENSE'), 'application/octet-stream');
  });

  it('finds the same stale files as techdocs-node, keeping folder blobs of new files', () => {
    const fresh = ['d/c/n/index.html', 'd/c/n/a/b/index.html'];
    const old = [
      'd/c/n/index.html',
      'd/c/n/old/index.html',
      'd/c/n/a',
      'd/c/n/a/b',
      'd/c/n/zz.css',
    ];
    assert.deepEqual(
      staleBlobs(fresh, old),
      [...publishHelpers.getStaleFiles(fresh, old)].sort(),
    );
    assert.deepEqual(staleBlobs(fresh, old), [
      'd/c/n/old/index.html',
      'd/c/n/zz.css',
    ]);
  });

  it('writes techdocs_metadata.json with the fields and files techdocs-node writes', async () => {
    const ours = tempDir();
    const theirs = tempDir();
    try {
      for (const dir of [ours, theirs]) {
        mkdirSync(join(dir, 'guide'), { recursive: true });
        writeFileSync(join(dir, 'index.html'), '<h1>x</h1>');
        writeFileSync(join(dir, 'guide', 'index.html'), '<h1>g</h1>');
        // What the techdocs-core plugin leaves behind.
        writeFileSync(
          join(dir, 'techdocs_metadata.json'),
          JSON.stringify({ site_name: 'S', site_description: 'D' }),
        );
      }
      const written = await writeTechDocsMetadata(ours, {
        etag: 'abc',
        now: 1,
      });
      await generateHelpers.createOrUpdateMetadata(
        join(theirs, 'techdocs_metadata.json'),
        quietLogger,
      );
      await generateHelpers.storeEtagMetadata(
        join(theirs, 'techdocs_metadata.json'),
        'abc',
      );
      const reference = JSON.parse(
        readFileSync(join(theirs, 'techdocs_metadata.json'), 'utf8'),
      );
      const ourFile = JSON.parse(
        readFileSync(join(ours, 'techdocs_metadata.json'), 'utf8'),
      );
      assert.deepEqual(ourFile, written);
      assert.deepEqual(Object.keys(ourFile), Object.keys(reference));
      assert.deepEqual([...ourFile.files].sort(), [...reference.files].sort());
      assert.equal(ourFile.etag, 'abc');
      assert.equal(ourFile.site_name, 'S');
      assert.ok(ourFile.files.includes('techdocs_metadata.json'));
    } finally {
      rmSync(ours, { recursive: true, force: true });
      rmSync(theirs, { recursive: true, force: true });
    }
  });

  it('fills in the site name and description when techdocs-core did not write the metadata', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'index.html'), 'x');
      const written = await writeTechDocsMetadata(dir, {
        siteName: 'Payments',
        siteDescription: 'How to pay',
      });
      assert.equal(written.site_name, 'Payments');
      assert.equal(written.site_description, 'How to pay');
      assert.deepEqual(written.files, ['index.html', 'techdocs_metadata.json']);
      assert.equal(typeof written.build_timestamp, 'number');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('techdocs mkdocs.yml patching', () => {
  const cases: {
    name: string;
    yaml: string;
    plugins: string[];
    expected: unknown;
  }[] = [
    {
      name: 'adds a plugins list when there is none',
      yaml: 'site_name: x\n',
      plugins: ['techdocs-core'],
      expected: ['techdocs-core'],
    },
    {
      name: 'sets an empty list when techdocs-core is omitted, like techdocs-node',
      yaml: 'site_name: x\n',
      plugins: [],
      expected: [],
    },
    {
      name: 'appends to an existing list',
      yaml: 'plugins:\n  - search\n',
      plugins: ['techdocs-core'],
      expected: ['search', 'techdocs-core'],
    },
    {
      name: 'keeps a plugin configured as a mapping',
      yaml: 'plugins:\n  - techdocs-core:\n      use_material_search: true\n',
      plugins: ['techdocs-core'],
      expected: [{ 'techdocs-core': { use_material_search: true } }],
    },
    {
      name: 'adds to a plugins mapping',
      yaml: 'plugins:\n  search: {}\n',
      plugins: ['techdocs-core'],
      expected: { search: {}, 'techdocs-core': null },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const doc = parseDocument(c.yaml);
      addPlugins(doc, c.plugins);
      assert.deepEqual(
        parseDocument(doc.toString()).toJS().plugins,
        c.expected,
      );
    });
  }

  it('keeps Python tags for MkDocs to resolve', () => {
    const doc = parseDocument(
      'markdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.extensions.emoji.twemoji\n',
    );
    addPlugins(doc, ['techdocs-core']);
    assert.match(
      doc.toString(),
      /!!python\/name:material\.extensions\.emoji\.twemoji/,
    );
  });
});

describe('techdocs generate refuses what it cannot build, saying why', () => {
  let repo: string;
  beforeEach(() => {
    repo = tempDir();
    mkdirSync(join(repo, 'docs'));
    writeFileSync(join(repo, 'docs', 'index.md'), '# Hi\n');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  const generate = (extra: Partial<Parameters<typeof generateSite>[0]> = {}) =>
    generateSite({
      sourceDir: repo,
      docsRoot: repo,
      outputDir: join(repo, 'site'),
      omitTechdocsCorePlugin: true,
      reporter: new CollectingReporter(),
      ...extra,
    });

  it('a docs_dir that escapes the repository', async () => {
    writeFileSync(
      join(repo, 'mkdocs.yml'),
      'site_name: x\ndocs_dir: ../elsewhere\n',
    );
    await assert.rejects(
      generate(),
      (e: Error) =>
        e instanceof GenerateError &&
        /docs_dir '..\/elsewhere' is absolute or leaves/.test(e.message),
    );
  });

  it('an absolute docs_dir', async () => {
    writeFileSync(join(repo, 'mkdocs.yml'), 'site_name: x\ndocs_dir: /etc\n');
    await assert.rejects(generate(), /docs_dir '\/etc' is absolute/);
  });

  it('a broken mkdocs.yml, with file and line', async () => {
    writeFileSync(
      join(repo, 'mkdocs.yml'),
      'site_name: x\nnav:\n  - Home: index.md\n - bad\n',
    );
    await assert.rejects(
      generate(),
      /mkdocs\.yml:\d+:\d+: mkdocs\.yml is not valid YAML/,
    );
  });

  it('a docs link to a file outside the repository', async () => {
    writeFileSync(join(repo, 'mkdocs.yml'), 'site_name: x\n');
    symlinkSync('/etc/hostname', join(repo, 'docs', 'host.md'));
    await assert.rejects(generate(), /links to .* outside the repository/);
  });

  it('a missing mkdocs, with how to install it', async () => {
    writeFileSync(join(repo, 'mkdocs.yml'), 'site_name: x\n');
    await assert.rejects(
      generate({ mkdocs: join(repo, 'no-such-mkdocs') }),
      /MkDocs was not found .*pip install mkdocs-techdocs-core.*installMkdocs: true/,
    );
  });

  it('a build that hangs, stopped at the timeout', async () => {
    writeFileSync(join(repo, 'mkdocs.yml'), 'site_name: x\n');
    const hanging = join(repo, 'hanging-mkdocs');
    writeFileSync(hanging, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    await assert.rejects(
      generate({ mkdocs: hanging, timeoutMs: 300 }),
      /did not finish within 0 s and was stopped/,
    );
  });

  it('a missing techdocs-core plugin, with the three ways out', async function () {
    if (spawnSync('mkdocs', ['--version']).status !== 0) this.skip();
    writeFileSync(join(repo, 'mkdocs.yml'), 'site_name: x\n');
    await assert.rejects(
      generate({ omitTechdocsCorePlugin: false }),
      /plugin 'techdocs-core' is not installed .*pip install mkdocs-techdocs-core.*installMkdocs: true.*omitTechdocsCorePlugin: true/,
    );
  });

  it('copies README.md to docs/index.md when asked and the docs have no index', async () => {
    rmSync(join(repo, 'docs', 'index.md'));
    writeFileSync(join(repo, 'README.md'), '# Readme\n');
    writeFileSync(join(repo, 'mkdocs.yml'), 'site_name: x\n');
    await generate({
      copyReadmeToIndex: true,
      mkdocs: join(repo, 'no-such-mkdocs'),
    }).catch(() => undefined);
    assert.equal(
      readFileSync(join(repo, 'docs', 'index.md'), 'utf8'),
      '# Readme\n',
    );
  });
});

describe('techdocs entity discovery', () => {
  let repo: string;
  beforeEach(() => (repo = tempDir()));
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('finds entities with a dir: techdocs-ref relative to their catalog file, and skips url: refs', async () => {
    mkdirSync(join(repo, 'services', 'pay', 'docs'), { recursive: true });
    writeFileSync(
      join(repo, 'services', 'pay', 'catalog-info.yaml'),
      [
        'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: pay\n  namespace: fin\n  title: Payments\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n',
        'apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: pay-api\n  annotations:\n    backstage.io/techdocs-ref: url:https://example.com/x\n',
        'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\n',
      ].join('---\n'),
    );
    const reporter = new CollectingReporter();
    const targets = await findDocsTargets({ sourceDir: repo, reporter });
    assert.deepEqual(
      targets.map(t => ({ ...t.entity, docsRoot: t.docsRoot, title: t.title })),
      [
        {
          namespace: 'fin',
          kind: 'Component',
          name: 'pay',
          docsRoot: join(repo, 'services', 'pay'),
          title: 'Payments',
        },
      ],
    );
    assert.ok(
      reporter.lines.some(
        l =>
          l.level === 'warn' &&
          /url:https:\/\/example.com\/x.*skipped/.test(l.message),
      ),
    );
  });

  it('refuses a techdocs-ref that leaves the repository', async () => {
    writeFileSync(
      join(repo, 'catalog-info.yaml'),
      'kind: Component\nmetadata:\n  name: a\n  annotations:\n    backstage.io/techdocs-ref: dir:../..\n',
    );
    await assert.rejects(
      findDocsTargets({ sourceDir: repo, reporter: new CollectingReporter() }),
      /points outside the repository/,
    );
  });

  it('uses the repository root for an entityRef no catalog file names', async () => {
    const targets = await findDocsTargets({
      sourceDir: repo,
      entityRef: 'default/component/solo',
      reporter: new CollectingReporter(),
    });
    assert.deepEqual(targets[0].entity, {
      namespace: 'default',
      kind: 'component',
      name: 'solo',
    });
    assert.equal(targets[0].docsRoot, repo);
  });
});
