import { strict as assert } from 'node:assert';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runTask } from '../fixtures/agent';
import { manyFilesRepo } from '../tasks/validate/helpers';
import {
  TASK_FOLDERS,
  TaskJson,
  buildableTaskFolders,
  ensurePackaged,
  readJson,
  repoRoot,
  unpack,
} from './helpers';

const P5_TOTAL_BYTES = 5 * 1024 * 1024;

/** The folders the main manifest contributes that cannot be packaged yet, with why. */
function notReady(): string[] {
  const ready = new Set(buildableTaskFolders().map(t => t.folder));
  return TASK_FOLDERS.filter(f => !ready.has(f)).map(
    f => `${f} (no task.json or src/index.ts yet)`,
  );
}

describe('npm run package', function () {
  this.timeout(300_000);
  let vsix: Record<string, string>;

  before(async function () {
    const missing = notReady();
    if (missing.length) {
      console.log(
        `    packaging skipped until these land: ${missing.join(', ')}`,
      );
      this.skip();
    }
    vsix = (await ensurePackaged()).vsix;
  });

  it('writes both .vsix files, together within 5 MB', () => {
    const sizes = Object.values(vsix).map(p => statSync(p).size);
    const total = sizes.reduce((a, b) => a + b, 0);
    assert.ok(total <= P5_TOTAL_BYTES, `the packages weigh ${total} bytes`);
  });

  describe('the main package, unpacked', () => {
    let dir: string;
    let entries: string[];
    before(() => ({ dir, entries } = unpack(vsix['vss-extension.json'])));

    it('holds every contributed task folder with its task.json, icon and entry', () => {
      for (const folder of TASK_FOLDERS) {
        const taskJson = readJson<TaskJson>(join(dir, folder, 'task.json'));
        assert.deepEqual(
          taskJson,
          readJson(join(repoRoot, 'tasks', folder, 'task.json')),
        );
        assert.ok(entries.includes(`${folder}/icon.png`), `${folder}/icon.png`);
        for (const exec of Object.values(taskJson.execution ?? {})) {
          assert.ok(
            entries.includes(`${folder}/${exec.target}`),
            `${folder}/${exec.target}`,
          );
        }
        assert.ok(
          entries.includes(`${folder}/dist/lib.json`),
          `${folder}/dist/lib.json`,
        );
      }
    });

    it('holds the validation worker beside the validate task, and it runs from there', async () => {
      assert.ok(
        entries.includes('BackstageCatalogValidateV1/dist/validate-worker.js'),
        'BackstageCatalogValidateV1/dist/validate-worker.js',
      );
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const core = require(
        join(dir, 'BackstageCatalogValidateV1', 'dist', 'core.js'),
      ) as typeof import('../../tasks/shared/src/validate');
      const root = mkdtempSync(join(tmpdir(), 'stagedoor-package-validate-'));
      try {
        const files = manyFilesRepo(250);
        for (const [path, content] of Object.entries(files)) {
          mkdirSync(dirname(join(root, path)), { recursive: true });
          writeFileSync(join(root, path), content);
        }
        const debug: string[] = [];
        const reporter = {
          info: () => {},
          warn: () => {},
          error: () => {},
          problem: () => {},
          secret: () => {},
        };
        const two = await core.runValidate(
          { root, threads: 2 },
          { ...reporter, debug: (m: string) => debug.push(m) },
        );
        assert.ok(
          debug.some(m => m.includes('on 2 threads')),
          debug.join('\n'),
        );
        assert.ok(!debug.some(m => m.startsWith('validation worker')));
        assert.deepEqual(
          two,
          await core.runValidate(
            { root, threads: 1 },
            { ...reporter, debug: () => {} },
          ),
        );
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it('holds no sources, tests, source maps or node_modules', () => {
      const offending = entries.filter(e =>
        /(^|\/)(src|test|node_modules|bench)\/|\.(ts|map)$|(^|\/)package(-lock)?\.json$/.test(
          e,
        ),
      );
      assert.deepEqual(offending, []);
      const roots = new Set(entries.map(e => e.split('/')[0]));
      for (const root of roots) {
        assert.ok(
          [
            ...TASK_FOLDERS,
            'images',
            'overview.md',
            'extension.vsixmanifest',
            'extension.vsomanifest',
            '[Content_Types].xml',
          ].includes(root),
          `unexpected ${root} in the package`,
        );
      }
    });

    it('declares the publisher, id and version of vss-extension.json', () => {
      const xml = readFileSync(join(dir, 'extension.vsixmanifest'), 'utf8');
      const manifest = readJson(join(repoRoot, 'vss-extension.json'));
      const identity = /<Identity\b[^>]*>/.exec(xml)?.[0] ?? '';
      for (const [attribute, value] of [
        ['Id', manifest.id],
        ['Publisher', manifest.publisher],
        ['Version', manifest.version],
      ]) {
        assert.ok(
          identity.includes(`${attribute}="${value}"`),
          `${identity} lacks ${attribute}="${value}"`,
        );
      }
    });

    // Proof that each bundle is self-contained: run it from the unpacked package, far
    // from any node_modules, with no inputs. A task with a required input must stop on
    // task-lib's own "Input required: <name>"; one without must run its quiet path.
    // (The agent reads the result from ##vso[task.complete], not from the exit code.)
    for (const folder of TASK_FOLDERS) {
      it(`runs ${folder} from the package with no inputs and ends cleanly`, async () => {
        const taskJson = readJson<TaskJson>(join(dir, folder, 'task.json'));
        const required = (taskJson.inputs ?? [])
          .filter(i => i.required && i.defaultValue === undefined)
          .map(i => i.name);
        const run = await runTask(folder, {
          taskDir: join(dir, folder),
          timeoutMs: 30_000,
        });
        const context = `\n${run.stdout}\n${run.stderr}`;
        assert.doesNotMatch(
          run.stderr,
          /\n\s+at .+:\d+:\d+/,
          `no stack trace: the task reports the error itself${context}`,
        );
        assert.doesNotMatch(run.stderr, /Cannot find module/, context);
        if (required.length === 0) {
          assert.equal(run.result, 'Succeeded', context);
          return;
        }
        assert.equal(run.result, 'Failed', context);
        const named = required.filter(name =>
          run.resultMessage?.includes(name),
        );
        assert.ok(
          named.length > 0,
          `"${run.resultMessage}" names none of the required inputs ${required.join(', ')}`,
        );
      });
    }
  });

  describe('the decorator package, unpacked', () => {
    it('holds the template the contribution names, identical to the repository’s, and no tasks', () => {
      const { dir, entries } = unpack(vsix['vss-extension.decorator.json']);
      const manifest = readJson(join(repoRoot, 'vss-extension.decorator.json'));
      const template = manifest.contributions[0].properties.template as string;
      assert.equal(
        readFileSync(join(dir, template), 'utf8'),
        readFileSync(join(repoRoot, template), 'utf8'),
      );
      assert.deepEqual(
        entries.filter(e => e.endsWith('task.json') || e.includes('/dist/')),
        [],
      );
      const vso = readJson(join(dir, 'extension.vsomanifest'));
      assert.equal(
        vso.contributions[0].type,
        'ms.azure-pipelines.pipeline-decorator',
      );
    });
  });
});
