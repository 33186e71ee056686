import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { validateCatalogFiles, type ValidationResult } from '@stagedoor/common';
import { discoverCatalogFiles, DEFAULT_CATALOG_PATTERNS } from '../validate';

/** A catalog file read from disk, path relative to the root with forward slashes. */
export interface RepositoryFile {
  path: string;
  /** The file's bytes; invalid UTF-8 is a validation problem before anything is sent. */
  content: Buffer;
}

/**
 * Finds the catalog files the same way the validate task does (its globs, plus Location
 * targets, transitively); explicit `paths` (CLI arguments) replace the globs.
 */
export async function findCatalogFiles(
  root: string,
  patterns: string[],
  paths?: string[],
): Promise<RepositoryFile[]> {
  const absoluteRoot = resolve(root);
  if (!paths || paths.length === 0) {
    return discoverCatalogFiles(
      absoluteRoot,
      patterns.length ? patterns : DEFAULT_CATALOG_PATTERNS,
    );
  }
  const relativePaths = paths.map(p => {
    const full = isAbsolute(p) ? p : join(absoluteRoot, p);
    if (!existsSync(full) || !statSync(full).isFile())
      throw new Error(`${p} is not a file`);
    const rel = relative(absoluteRoot, full).split(sep).join('/');
    if (rel.startsWith('../'))
      throw new Error(`${p} is outside the repository root ${root}`);
    return rel;
  });
  return discoverCatalogFiles(absoluteRoot, relativePaths);
}

/**
 * Rules the notify task does not report, locally nor from the server's answer: owners,
 * systems and APIs usually live in other repositories and the catalog resolves them.
 * The validate task checks them against the live catalog; here they would be noise.
 */
export const SILENCED_RULES = ['ref/unresolved'];

/** Validates the files with the shared engine, referenced files checked against the disk. */
export function validateRepositoryFiles(
  root: string,
  files: RepositoryFile[],
): ValidationResult {
  const absoluteRoot = resolve(root);
  return validateCatalogFiles(files, {
    fileExists: p => existsSync(join(absoluteRoot, p)),
    policy: {
      rules: Object.fromEntries(
        SILENCED_RULES.map(rule => [rule, 'off' as const]),
      ),
    },
  });
}
