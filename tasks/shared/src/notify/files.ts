import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateCatalogFiles, type ValidationResult } from '@stagedoor/common';
import {
  catalogPatterns,
  discoverCatalogFiles,
  type SkippedFile,
} from '../validate';

/** A catalog file read from disk, path relative to the root with forward slashes. */
export interface RepositoryFile {
  path: string;
  /** The file's bytes; invalid UTF-8 is a validation problem before anything is sent. */
  content: Buffer;
}

/**
 * Finds the catalog files exactly as the validate task and `stagedoor validate` do (the same
 * {@link catalogPatterns} and discovery: files, folders or globs, Location targets followed,
 * template skeletons left out unless `includeTemplateSkeletons`). Explicit `paths` (CLI
 * arguments, relative to the root or absolute) must exist and replace the patterns; folders
 * among them are searched with `patterns`.
 */
export async function findCatalogFiles(
  root: string,
  patterns: string[],
  paths?: string[],
  options: {
    includeTemplateSkeletons?: boolean;
    onSkipped?: (skipped: SkippedFile[]) => void;
  } = {},
): Promise<RepositoryFile[]> {
  const absoluteRoot = resolve(root);
  const globs =
    paths && paths.length > 0
      ? catalogPatterns(absoluteRoot, paths, {
          mustExist: true,
          folderPatterns: patterns,
        })
      : catalogPatterns(absoluteRoot, patterns);
  return discoverCatalogFiles(absoluteRoot, globs, {
    skipTemplateSkeletons: !options.includeTemplateSkeletons,
    onSkipped: options.onSkipped,
  });
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
