// `npm run package`: builds the task bundles, checks that every task folder the
// manifests contribute is complete, and writes the two .vsix files with tfx-cli
// (offline, from node_modules):
//   dist/stagedoor-<version>.vsix            the tasks and the Backstage service connection type
//   dist/stagedoor-decorator-<version>.vsix  the opt-in pipeline decorator
// Flags: --no-build (reuse existing bundles), --out <dir> (default dist/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The manifests this script packages, in order, with the name of their .vsix. */
export const MANIFESTS = [
  { manifest: 'vss-extension.json', vsix: v => `stagedoor-${v}.vsix` },
  {
    manifest: 'vss-extension.decorator.json',
    vsix: v => `stagedoor-decorator-${v}.vsix`,
  },
];

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

/** Every task a manifest contributes must have its task.json, icon and built entry. */
function checkTaskFolders(manifestPath) {
  const manifest = JSON.parse(readFileSync(join(root, manifestPath), 'utf8'));
  const tasks = (manifest.contributions ?? []).filter(
    c => c.type === 'ms.vss-distributed-task.task',
  );
  for (const task of tasks) {
    const folder = task.properties?.name;
    const file = (manifest.files ?? []).find(
      f => f.packagePath === `${folder}/task.json`,
    );
    if (!file)
      fail(
        `${manifestPath}: contribution ${task.id} names ${folder} but no file maps to ${folder}/task.json`,
      );
    const dir = join(root, dirname(file.path));
    const taskJson = JSON.parse(readFileSync(join(dir, 'task.json'), 'utf8'));
    for (const [handler, exec] of Object.entries(taskJson.execution ?? {})) {
      if (!existsSync(join(dir, exec.target))) {
        fail(
          `${relative(root, dir)}: execution.${handler}.target ${exec.target} is missing; run node scripts/build.mjs`,
        );
      }
    }
    if (!existsSync(join(dir, 'icon.png')))
      fail(
        `${relative(root, dir)}/icon.png is missing; run node scripts/icons.mjs`,
      );
  }
  return manifest;
}

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outDir = resolve(root, outIndex >= 0 ? args[outIndex + 1] : 'dist');

if (!args.includes('--no-build')) {
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], {
    stdio: 'inherit',
    cwd: root,
  });
}
mkdirSync(outDir, { recursive: true });

const tfx = require.resolve('tfx-cli/_build/tfx-cli.js');
const written = [];
for (const { manifest, vsix } of MANIFESTS) {
  const parsed = checkTaskFolders(manifest);
  const output = join(outDir, vsix(parsed.version));
  try {
    execFileSync(
      process.execPath,
      [
        tfx,
        'extension',
        'create',
        '--root',
        root,
        '--manifests',
        manifest,
        '--output-path',
        output,
        '--no-prompt',
        '--no-color',
        '--json',
      ],
      // `extension create` works offline: it only reads the manifest and the files it names.
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
  } catch (error) {
    fail(
      `tfx extension create --manifests ${manifest} failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`,
    );
  }
  written.push(output);
  console.log(
    `${relative(root, output)}  ${(statSync(output).size / 1024).toFixed(1)} KiB`,
  );
}
