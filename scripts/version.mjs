// One version source for the extension package: `npm run version -- patch|minor|major`.
// The main manifest's version is the source; the decorator manifest follows it exactly,
// and every task.json is bumped in the same step, because agents only download a task
// again when its version changes.
//
// A task's major is tied to its folder (BackstageCatalogNotifyV1 is major 1, referenced
// as `BackstageCatalogNotify@1` in pipelines and in the decorator), so this script never
// changes it: an extension `major` bump raises the tasks' minor instead. A new task major
// means a new V2 folder next to V1.
//
// `node scripts/version.mjs check` verifies that the manifests agree and that each task's
// major matches its folder. `--root <dir>` works on another checkout (tests use a copy).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const rootIndex = args.indexOf('--root');
const root =
  rootIndex >= 0
    ? resolve(args[rootIndex + 1])
    : join(dirname(fileURLToPath(import.meta.url)), '..');
const command = args.find(
  (a, i) => !a.startsWith('--') && (rootIndex < 0 || i !== rootIndex + 1),
);

const MANIFESTS = ['vss-extension.json', 'vss-extension.decorator.json'];

function fail(message) {
  console.error(`version: ${message}`);
  process.exit(1);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Writes JSON back with the file's own indentation and a final newline. */
function writeJson(path, value) {
  const indent = /^\{\r?\n(\s+)/.exec(readFileSync(path, 'utf8'))?.[1] ?? '  ';
  writeFileSync(path, `${JSON.stringify(value, null, indent)}\n`);
}

function parseSemver(version, where) {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version ?? '');
  if (!match) fail(`${where}: version "${version}" is not major.minor.patch`);
  return match.slice(1).map(Number);
}

function taskFolders() {
  const dir = join(root, 'tasks');
  return readdirSync(dir)
    .filter(
      name => /V\d+$/.test(name) && existsSync(join(dir, name, 'task.json')),
    )
    .map(name => ({
      name,
      path: join(dir, name, 'task.json'),
      major: Number(/V(\d+)$/.exec(name)[1]),
    }));
}

function check() {
  const problems = [];
  const versions = MANIFESTS.filter(m => existsSync(join(root, m))).map(m => [
    m,
    readJson(join(root, m)).version,
  ]);
  for (const [manifest, version] of versions) {
    parseSemver(version, manifest);
    if (version !== versions[0][1])
      problems.push(
        `${manifest} is ${version} but ${versions[0][0]} is ${versions[0][1]}`,
      );
  }
  for (const task of taskFolders()) {
    const v = readJson(task.path).version ?? {};
    if (Number(v.Major) !== task.major) {
      problems.push(
        `tasks/${task.name}/task.json: version.Major is ${v.Major} but the folder says ${task.major}`,
      );
    }
  }
  return problems;
}

const bumps = {
  patch: ([a, b, c]) => [a, b, c + 1],
  minor: ([a, b]) => [a, b + 1, 0],
  major: ([a]) => [a + 1, 0, 0],
};

if (command === 'check') {
  const problems = check();
  for (const p of problems) console.error(`version: ${p}`);
  process.exit(problems.length ? 1 : 0);
}
if (!bumps[command])
  fail(
    `usage: npm run version -- patch|minor|major|check (got "${command ?? ''}")`,
  );

const problems = check();
if (problems.length) fail(`fix these first:\n  ${problems.join('\n  ')}`);

const mainPath = join(root, MANIFESTS[0]);
const next = bumps[command](
  parseSemver(readJson(mainPath).version, MANIFESTS[0]),
).join('.');
for (const manifest of MANIFESTS) {
  const path = join(root, manifest);
  if (!existsSync(path)) continue;
  const json = readJson(path);
  json.version = next;
  writeJson(path, json);
  console.log(`${manifest}: ${next}`);
}
for (const task of taskFolders()) {
  const json = readJson(task.path);
  const v = json.version;
  const [minor, patch] =
    command === 'patch'
      ? [Number(v.Minor), Number(v.Patch) + 1]
      : [Number(v.Minor) + 1, 0];
  // Keep the field types task.json already uses (numbers, or strings in older tasks).
  const same = (old, value) =>
    typeof old === 'string' ? String(value) : value;
  json.version = {
    ...v,
    Minor: same(v.Minor, minor),
    Patch: same(v.Patch, patch),
  };
  writeJson(task.path, json);
  console.log(`tasks/${task.name}/task.json: ${v.Major}.${minor}.${patch}`);
}
