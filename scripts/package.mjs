// `npm run package`: builds the task bundles, checks that every task folder the
// manifests contribute is complete, and writes the two .vsix files with tfx-cli
// (offline, from node_modules):
//   dist/stagedoor-<version>.vsix            the tasks and the Backstage service connection type
//   dist/stagedoor-decorator-<version>.vsix  the opt-in pipeline decorator
// Flags: --no-build (reuse existing bundles), --out <dir> (default dist/).
//
// tfx runs in a staging folder that holds only the files the manifest lists (so nothing
// else can slip into a package) plus each task folder under its contribution name, where
// tfx looks for task.json to validate it; its warnings fail the packaging.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
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

/** Copies the manifest, what it lists and its task folders into a fresh staging folder. */
function stage(manifestPath, manifest) {
  const staging = mkdtempSync(join(tmpdir(), 'stagedoor-package-'));
  const copy = path => {
    if (!existsSync(join(root, path)))
      fail(`${manifestPath} lists ${path}, which does not exist`);
    cpSync(join(root, path), join(staging, path), { recursive: true });
  };
  copy(manifestPath);
  for (const file of manifest.files ?? []) copy(file.path);
  if (manifest.content?.details?.path) copy(manifest.content.details.path);
  for (const icon of Object.values(manifest.icons ?? {})) copy(icon);
  for (const task of (manifest.contributions ?? []).filter(
    c => c.type === 'ms.vss-distributed-task.task',
  )) {
    const folder = task.properties.name;
    const taskJson = manifest.files.find(
      f => f.packagePath === `${folder}/task.json`,
    );
    cpSync(join(root, dirname(taskJson.path)), join(staging, folder), {
      recursive: true,
      filter: src => !/[\\/](src|node_modules)$/.test(src),
    });
  }
  return staging;
}

const tfx = require.resolve('tfx-cli/_build/tfx-cli.js');
const written = [];
for (const { manifest, vsix } of MANIFESTS) {
  const parsed = checkTaskFolders(manifest);
  const output = join(outDir, vsix(parsed.version));
  const staging = stage(manifest, parsed);
  // spawnSync keeps stderr too, where tfx writes its warnings.
  const result = spawnSync(
    process.execPath,
    [
      tfx,
      'extension',
      'create',
      '--root',
      staging,
      '--manifests',
      manifest,
      '--output-path',
      output,
      '--no-prompt',
      '--no-color',
    ],
    // `extension create` works offline: it only reads the manifest and the files it names.
    { cwd: staging, encoding: 'utf8', timeout: 120_000 },
  );
  rmSync(staging, { recursive: true, force: true });
  const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  if (result.status !== 0) {
    fail(
      `tfx extension create --manifests ${manifest} failed:\n${log}${result.error ?? ''}`,
    );
  }
  const warnings = log
    .split('\n')
    .filter(line => /^warning/i.test(line.trim()));
  if (warnings.length)
    fail(`tfx warned about ${manifest}:\n${warnings.join('\n')}`);
  written.push(output);
  console.log(
    `${relative(root, output)}  ${(statSync(output).size / 1024).toFixed(1)} KiB`,
  );
}
