import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import {
  finishCatalogValidation,
  validateCatalogFiles,
  type CatalogFile,
  type ValidateOptions,
} from '@stagedoor/common';
import { runTask } from '../../fixtures/agent';
import {
  CatalogFileCheckers,
  runValidate,
} from '../../../tasks/shared/src/validate';
import type { Reporter } from '../../../tasks/shared/src/reporter';
import {
  cleanRepos,
  ensureBuilt,
  makeRepo,
  manyFilesRepo,
  repoRoot,
} from './helpers';

const CORPUS = '/work/shared/corpus/public-catalog-files';
const OWN = join(repoRoot, 'test', 'fixtures', 'catalog');

function filesBelow(dir: string, root = dir): CatalogFile[] {
  return readdirSync(dir)
    .sort()
    .flatMap(name => {
      const p = join(dir, name);
      return statSync(p).isDirectory()
        ? filesBelow(p, root)
        : [{ path: relative(root, p), content: readFileSync(p) }];
    });
}

const quiet: Reporter = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
  secret: () => {},
  problem: () => {},
};

describe('validation on worker threads', function () {
  this.timeout(180_000);
  after(() => cleanRepos());

  it('gives exactly the single-threaded verdict over the real-world and our own corpora', async () => {
    // Both corpora twice: every entity is then also defined in a run another thread checks.
    const files: Record<string, Uint8Array> = {};
    for (const copy of ['a', 'b'])
      for (const [name, dir] of [
        ['public', CORPUS],
        ['own', OWN],
      ])
        for (const f of filesBelow(dir))
          files[`${copy}/${name}/${f.path}`] = f.content as Uint8Array;
    const root = makeRepo(files);
    const catalogFiles = filesBelow(root);
    assert.ok(catalogFiles.length > 400, `${catalogFiles.length} files`);
    const options: ValidateOptions = {
      policy: { requiredTags: ['production'] },
      fileExists: p => existsSync(join(root, p)),
    };
    const single = validateCatalogFiles(catalogFiles, options);
    assert.ok(single.problems.some(p => p.rule === 'entity/duplicate'));

    const failures: string[] = [];
    const checkers = new CatalogFileCheckers({
      root,
      options,
      threads: 3,
      debug: m => failures.push(m),
    });
    try {
      await checkers.ready(); // so the workers surely take part
      const checks = await checkers.check(catalogFiles);
      assert.deepEqual(failures, []);
      assert.ok(checkers.runsCheckedByWorkers > 0, 'no worker checked a run');
      assert.deepEqual(finishCatalogValidation(checks, options), single);
      // The cross-file rules can run again on the same checks (after a live lookup).
      const known = new Set(single.unresolvedRefs);
      assert.deepEqual(
        finishCatalogValidation(checks, { ...options, knownEntityRefs: known }),
        validateCatalogFiles(catalogFiles, {
          ...options,
          knownEntityRefs: known,
        }),
      );
    } finally {
      checkers.close();
    }
  });

  it('reports the same run on one thread and on several, problem positions and order included', async () => {
    const root = makeRepo(manyFilesRepo(400));
    const debug: string[] = [];
    const one = await runValidate({ root, threads: 1 }, quiet);
    const three = await runValidate(
      { root, threads: 3 },
      { ...quiet, debug: m => debug.push(m) },
    );
    assert.ok(debug.some(m => m.includes('on 3 threads')));
    assert.deepEqual(
      debug.filter(m => m.startsWith('validation worker')),
      [],
    );
    assert.ok(one.files.length > 400);
    assert.ok(
      new Set(one.result.problems.map(p => p.rule)).size >= 8,
      'the repository should exercise many rules',
    );
    assert.deepEqual(three, one);
  });

  describe('from the bundles', () => {
    before(() => ensureBuilt());

    it('the CLI prints byte-identical output with --threads 1 and --threads 2', async () => {
      const root = makeRepo(manyFilesRepo(300));
      const run = (args: string[]) =>
        promisify(execFile)(
          process.execPath,
          [join(repoRoot, 'cli/dist/cli.js'), 'validate', ...args],
          { cwd: root, maxBuffer: 64 * 1024 * 1024 },
        ).catch((e: { code: number; stdout: string; stderr: string }) => e);
      for (const format of ['json', 'sarif']) {
        const one = await run(['--format', format, '--threads', '1']);
        const two = await run([
          '--format',
          format,
          '--threads',
          '2',
          '--verbose',
        ]);
        assert.equal((one as { code?: number }).code, 1, one.stderr);
        assert.equal((two as { code?: number }).code, 1, two.stderr);
        assert.ok(one.stdout.length > 10_000);
        assert.equal(two.stdout, one.stdout);
        assert.match(two.stderr, /on 2 threads/);
        assert.doesNotMatch(two.stderr, /validation worker/);
      }
    });

    it("the task's bundled core checks on its own worker file, with the result of one thread", async () => {
      const dist = join(repoRoot, 'tasks/BackstageCatalogValidateV1/dist');
      assert.ok(existsSync(join(dist, 'validate-worker.js')));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const core = require(join(dist, 'core.js')) as {
        runValidate: typeof runValidate;
      };
      const root = makeRepo(manyFilesRepo(300));
      const debug: string[] = [];
      const two = await core.runValidate(
        { root, threads: 2 },
        { ...quiet, debug: m => debug.push(m) },
      );
      assert.ok(debug.some(m => m.includes('on 2 threads')));
      assert.deepEqual(
        debug.filter(m => m.startsWith('validation worker')),
        [],
      );
      assert.deepEqual(
        two,
        await core.runValidate({ root, threads: 1 }, quiet),
      );
    });

    it('the task run by the agent on many files reports what the CLI reports', async () => {
      const root = makeRepo(manyFilesRepo(300));
      const cli = await promisify(execFile)(
        process.execPath,
        [
          join(repoRoot, 'cli/dist/cli.js'),
          'validate',
          '--format',
          'json',
          '--threads',
          '1',
        ],
        { cwd: root, maxBuffer: 64 * 1024 * 1024 },
      ).catch((e: { stdout: string }) => e);
      const expected = (
        JSON.parse(cli.stdout) as {
          file: string;
          line: number;
          column: number;
          severity: string;
          rule: string;
        }[]
      ).map(p => [
        p.severity,
        p.file,
        String(p.line),
        String(p.column),
        p.rule,
      ]);
      const run = await runTask('BackstageCatalogValidateV1', {
        sourcesDirectory: root,
        variables: { 'System.Debug': 'true' },
      });
      assert.equal(run.result, 'Failed', run.stdout);
      // How many threads depends on how busy the machine is; the verdict never does.
      assert.match(run.stdout, /checking on \d thread/);
      assert.doesNotMatch(run.stdout, /validation worker/);
      const issues = run.commands
        .filter(c => c.command === 'task.logissue')
        .map(c => [
          c.properties.type,
          c.properties.sourcepath,
          c.properties.linenumber,
          c.properties.columnnumber,
          c.properties.code,
        ]);
      assert.deepEqual(issues, expected);
    });
  });
});
