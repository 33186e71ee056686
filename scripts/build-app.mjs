// Builds the web app (backstage-modules/app, with @stagedoor/plugin-delivery) into its dist/,
// which the baseline backend's app-backend serves at http://localhost:7007/. Runs on
// `npm ci` (prepare) and before `npm start`; skips the build (about 20-60 s on 2 cores)
// when dist/ is newer than every source it is made of. `--force` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const app = join(root, 'backstage-modules/app');
const marker = join(app, 'dist/index.html');

/** Newest modification time under `path` (files and directories, recursively). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

const sources = [
  join(app, 'src'),
  join(app, 'public'),
  join(app, 'package.json'),
  join(root, 'backstage-modules/plugin-delivery/src'),
  join(root, 'backstage-modules/plugin-delivery/package.json'),
  join(root, 'backstage-modules/plugin-azure-cost/src'),
  join(root, 'backstage-modules/plugin-azure-cost/package.json'),
  join(root, 'backstage-modules/plugin-azure-cost-common/src'),
  join(root, 'package-lock.json'),
];

const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
const stale = sources.some(source => newest(source) > built);
if (!process.argv.includes('--force') && !stale) {
  process.exit(0);
}

const started = Date.now();
console.log('Building the web app (backstage-modules/app)…');
const result = spawnSync('npm', ['run', 'build', '--silent'], {
  cwd: app,
  stdio: ['ignore', 'ignore', 'inherit'],
  shell: process.platform === 'win32',
});
if (result.status !== 0) {
  console.error('The web app build failed (npm run build -w app shows why).');
  process.exit(result.status ?? 1);
}
console.log(
  `Built the web app in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
);
