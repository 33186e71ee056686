import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..', '..');

let built = false;

/** Builds the bundles once per test process, serialised with the other engineers' builds. */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync(
    'flock',
    [
      '/tmp/stagedoor-build.lock',
      process.execPath,
      join(repoRoot, 'scripts/build.mjs'),
    ],
    { stdio: 'inherit' },
  );
  built = true;
}

const made: string[] = [];

/** A throw-away repository with these files (text or bytes), removed by {@link cleanRepos}. */
export function makeRepo(files: Record<string, string | Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), 'stagedoor-validate-'));
  made.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

export function cleanRepos(): void {
  for (const root of made.splice(0))
    rmSync(root, { recursive: true, force: true });
}

export const component = (name: string, extra = '', owner = 'team-a') =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\n${extra}spec:\n  type: service\n  lifecycle: production\n  owner: ${owner}\n`;

export const teamA =
  'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n';
