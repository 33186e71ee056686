import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import { validateCatalogFiles, type CatalogFile, type ValidationResult } from '@stagedoor/common';

/** A catalog file read from disk, path relative to the root with forward slashes. */
export interface RepositoryFile {
  path: string;
  content: string;
}

const toPosix = (p: string) => p.split(sep).join('/');

/**
 * Finds the catalog files: the globs (or explicit paths) below `root`, plus the files
 * that Location entities among them point at with relative targets, transitively.
 *
 * NOTE: the validate work (issue 3) is to export a shared `discoverCatalogFiles`; this
 * stays a thin stand-in with the same defaults until it lands, so both tasks find the
 * same files.
 */
export async function findCatalogFiles(root: string, patterns: string[], paths?: string[]): Promise<RepositoryFile[]> {
  const absoluteRoot = resolve(root);
  let found: string[];
  if (paths && paths.length > 0) {
    found = paths.map(p => {
      const full = isAbsolute(p) ? p : join(absoluteRoot, p);
      if (!existsSync(full) || !statSync(full).isFile()) throw new Error(`${p} is not a file`);
      return toPosix(relative(absoluteRoot, full));
    });
  } else {
    found = await fg(patterns, {
      cwd: absoluteRoot,
      ignore: ['**/node_modules/**', '**/.git/**'],
      onlyFiles: true,
      dot: false,
      followSymbolicLinks: false,
    });
  }
  const files = new Map<string, RepositoryFile>();
  const queue = [...found].sort();
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (files.has(path) || path.startsWith('../')) continue;
    const content = readFileSync(join(absoluteRoot, path), 'utf8');
    files.set(path, { path, content });
    for (const target of locationTargets(path, content)) {
      if (!files.has(target) && existsSync(join(absoluteRoot, target))) queue.push(target);
    }
  }
  return [...files.values()];
}

/** Relative `spec.target(s)` of the Location entities in one file, as repository paths. */
function locationTargets(path: string, content: string): string[] {
  const { entities } = validateCatalogFiles([{ path, content }]);
  const targets: string[] = [];
  for (const { entity } of entities) {
    if (entity.kind.toLowerCase() !== 'location') continue;
    const spec = (entity.spec ?? {}) as { target?: unknown; targets?: unknown };
    const all = [spec.target, ...(Array.isArray(spec.targets) ? spec.targets : [])];
    for (const t of all) {
      if (typeof t !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(t)) continue;
      const target = posix.normalize(posix.join(posix.dirname(path), t));
      if (!target.startsWith('../') && target !== '..') targets.push(target);
    }
  }
  return targets;
}

/**
 * Rules the notify task does not report, locally nor from the server's answer: owners,
 * systems and APIs usually live in other repositories and the catalog resolves them.
 * The validate task checks them against the live catalog; here they would be noise.
 */
export const SILENCED_RULES = ['ref/unresolved'];

/** Validates the files with the shared engine, referenced files checked against the disk. */
export function validateRepositoryFiles(root: string, files: RepositoryFile[]): ValidationResult {
  const absoluteRoot = resolve(root);
  const catalogFiles: CatalogFile[] = files;
  return validateCatalogFiles(catalogFiles, {
    fileExists: p => existsSync(join(absoluteRoot, p)),
    policy: { rules: Object.fromEntries(SILENCED_RULES.map(rule => [rule, 'off' as const])) },
  });
}
