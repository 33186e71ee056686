/**
 * The P9 reference: the default app of the pinned release's `@backstage/create-app`
 * (docs/… and /work/shared/reference/backstage-release.md: 0.9.2), built once into
 * `.stagedoor/bench-cache/create-app` and measured the same way as Stagedoor's app.
 *
 * create-app 0.9.2 refuses to run on Node 20 and without yarn (its prerequisite check),
 * so this calls the same `templatingTask` its command runs, on its own `default-app`
 * template, then installs only `packages/app`'s dependencies (npm, its ranges; no
 * yarn.lock) and runs `backstage-cli package build` there. Heavy (an install of the
 * frontend half of the release and a webpack build): run under `nice`, only with --full.
 *
 *   node --import tsx bench/createApp.ts   builds it when missing and prints its dist path
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

export const CREATE_APP_VERSION = '0.9.2';
const root = resolve(__dirname, '..');
export const createAppCache = join(root, '.stagedoor/bench-cache/create-app');
const toolDir = join(root, '.stagedoor/bench-cache/create-app-tool');
const appDir = join(createAppCache, 'app');
/** The built default app (`backstage-cli package build` output). */
export const createAppDist = join(appDir, 'packages/app/dist');

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync('nice', ['-n', '10', cmd, ...args], {
    stdio: 'inherit',
    ...options,
  });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
  }
}

/** Builds the create-app default app unless its dist is cached; returns the dist folder. */
export function ensureCreateAppBuilt(log = console.log): string {
  if (existsSync(join(createAppDist, 'index.html'))) return createAppDist;
  const started = Date.now();
  // 1. create-app itself, in its own folder.
  mkdirSync(toolDir, { recursive: true });
  if (!existsSync(join(toolDir, 'node_modules/@backstage/create-app'))) {
    writeFileSync(join(toolDir, 'package.json'), '{"private":true}\n');
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        `@backstage/create-app@${CREATE_APP_VERSION}`,
      ],
      { cwd: toolDir },
    );
  }
  const pkgDir = join(toolDir, 'node_modules/@backstage/create-app');
  const version = JSON.parse(
    readFileSync(join(pkgDir, 'package.json'), 'utf8'),
  ).version;
  if (version !== CREATE_APP_VERSION) {
    throw new Error(
      `create-app ${version} installed, ${CREATE_APP_VERSION} wanted`,
    );
  }
  // 2. Its default-app template, rendered the way `create-app --skip-install` does.
  rmSync(appDir, { recursive: true, force: true });
  mkdirSync(appDir, { recursive: true });
  const script = `
    const { templatingTask } = require(${JSON.stringify(join(pkgDir, 'dist/lib/tasks.cjs.js'))});
    templatingTask(${JSON.stringify(join(pkgDir, 'templates/default-app'))}, ${JSON.stringify(appDir)}, {
      name: 'create-app', defaultBranch: 'master',
    }).then(() => process.exit(0), e => { console.error(e); process.exit(1); });
  `;
  run(process.execPath, ['-e', script], { cwd: pkgDir });
  log(`create-app ${CREATE_APP_VERSION}: default app rendered into ${appDir}`);
  // 3. Only the app workspace's dependencies, at the versions create-app pins (its
  // packageVersions, as overrides, so that npm's newest-in-range resolution does not mix
  // in a later release; the yarn.lock create-app would seed is empty). The backend
  // workspace and the root's test tooling are not part of the measured app.
  const versions = spawnSync(
    process.execPath,
    [
      '-p',
      `JSON.stringify(require(${JSON.stringify(join(pkgDir, 'dist/lib/versions.cjs.js'))}).packageVersions)`,
    ],
    { encoding: 'utf8' },
  );
  const packageVersions = JSON.parse(versions.stdout) as Record<string, string>;
  rmSync(join(appDir, 'packages/backend'), { recursive: true, force: true });
  const rootPkg = JSON.parse(
    readFileSync(join(appDir, 'package.json'), 'utf8'),
  );
  delete rootPkg.devDependencies;
  rootPkg.workspaces = ['packages/*'];
  rootPkg.overrides = Object.fromEntries(
    Object.entries(packageVersions).filter(([name]) => name.startsWith('@')),
  );
  writeFileSync(
    join(appDir, 'package.json'),
    `${JSON.stringify(rootPkg, null, 2)}\n`,
  );
  const appPkgFile = join(appDir, 'packages/app/package.json');
  const appPkg = JSON.parse(readFileSync(appPkgFile, 'utf8'));
  for (const name of Object.keys(appPkg.dependencies)) {
    if (packageVersions[name])
      appPkg.dependencies[name] = packageVersions[name];
  }
  writeFileSync(appPkgFile, `${JSON.stringify(appPkg, null, 2)}\n`);
  run(
    'npm',
    [
      'install',
      '--workspace',
      'packages/app',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--legacy-peer-deps',
      '--ignore-scripts',
    ],
    { cwd: appDir },
  );
  run(join(appDir, 'node_modules/.bin/backstage-cli'), ['package', 'build'], {
    cwd: join(appDir, 'packages/app'),
    env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=4096' },
  });
  log(
    `create-app default app built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${createAppDist}`,
  );
  return createAppDist;
}

if (require.main === module) {
  console.log(ensureCreateAppBuilt());
}
