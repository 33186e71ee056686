import { existsSync, readFileSync, statSync } from 'node:fs';
import {
  dirname,
  isAbsolute,
  join,
  posix,
  relative,
  resolve,
  sep,
} from 'node:path';
import fg from 'fast-glob';
import { parseAllDocuments } from 'yaml';
import {
  resolveRepoPath,
  templateSkeletonFolders,
  templateSkeletonReason,
  type CatalogFile,
} from '@stagedoor/common';

import { DEFAULT_CATALOG_PATTERNS } from './defaults';

export { DEFAULT_CATALOG_PATTERNS };

/** Where Template entities are looked for above each catalog file. */
const TEMPLATE_FILE_NAMES = ['template.yaml', 'template.yml'];

/** Folders never searched: dependencies and VCS internals are not the repository's catalog. */
export const ALWAYS_IGNORED = ['**/node_modules/**', '**/.git/**'];

export interface CatalogPatternOptions {
  /** Folder relative paths are read from (the CLI's working folder). Default: the root. */
  cwd?: string;
  /** A plain path that does not exist is an error (CLI arguments); else it is a pattern that matches nothing. */
  mustExist?: boolean;
  /** What a folder is searched for. Default {@link DEFAULT_CATALOG_PATTERNS}. */
  folderPatterns?: string[];
}

const toPosix = (p: string) => p.split(sep).join('/');

/**
 * What users name as catalog files (CLI arguments, the tasks' pattern inputs) → glob patterns
 * relative to `root`: a file is itself, a folder is searched with `folderPatterns`, a glob
 * stays a glob (`!glob` excludes). Every command that finds catalog files goes through here,
 * so `validate`, `push` and the tasks accept the same arguments and find the same files.
 */
export function catalogPatterns(
  root: string,
  entries: readonly string[],
  options: CatalogPatternOptions = {},
): string[] {
  const absoluteRoot = resolve(root);
  const cwd = resolve(options.cwd ?? absoluteRoot);
  const folderPatterns = options.folderPatterns?.length
    ? options.folderPatterns
    : DEFAULT_CATALOG_PATTERNS;
  const below = (full: string, given: string) => {
    const rel = toPosix(relative(absoluteRoot, full));
    if (rel === '..' || rel.startsWith('../') || isAbsolute(rel))
      throw new Error(
        `${given} is outside the root ${absoluteRoot}; pass a root that holds it.`,
      );
    return rel;
  };
  return entries
    .map(e => e.trim())
    .filter(Boolean)
    .flatMap(entry => {
      const negated = entry.startsWith('!');
      const body = negated ? entry.slice(1) : entry;
      const full = resolve(cwd, body);
      if (!negated && existsSync(full)) {
        const rel = below(full, entry);
        if (statSync(full).isFile()) return [fg.escapePath(rel)];
        const prefix = rel ? `${fg.escapePath(rel)}/` : '';
        return folderPatterns.map(g => `${prefix}${g}`);
      }
      if (!hasGlob(body) && options.mustExist)
        throw new Error(`${entry} does not exist`);
      if (isAbsolute(body) || cwd !== absoluteRoot) {
        // A glob read from another folder: its fixed start becomes relative to the root.
        const parts = toPosix(body).split('/');
        const fixed = parts.findIndex(part => hasGlob(part));
        const head = fixed < 0 ? parts : parts.slice(0, fixed);
        const tail = fixed < 0 ? [] : parts.slice(fixed);
        const rel = below(resolve(cwd, head.join('/') || '.'), entry);
        const pattern = [rel ? fg.escapePath(rel) : '', ...tail]
          .filter(Boolean)
          .join('/');
        return [`${negated ? '!' : ''}${pattern}`];
      }
      return [entry];
    });
}

/**
 * The repository a path is in: the nearest folder at or above it holding `.git`, or else the
 * path itself (a file's folder).
 */
export function repositoryRootOf(path: string): string {
  const full = resolve(path);
  const start =
    existsSync(full) && statSync(full).isFile() ? dirname(full) : full;
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/**
 * The root when none is given: the working folder when it holds every named path, else the
 * repository of the paths outside it (which must all share it).
 */
export function defaultRootFor(cwd: string, paths: readonly string[]): string {
  const outside = paths
    .map(p => (p.startsWith('!') ? p.slice(1) : p))
    .map(p => {
      const parts = toPosix(p).split('/');
      const fixed = parts.findIndex(part => hasGlob(part));
      return resolve(
        cwd,
        (fixed < 0 ? parts : parts.slice(0, fixed)).join('/') || '.',
      );
    })
    .filter(full => {
      const rel = toPosix(relative(cwd, full));
      return rel === '..' || rel.startsWith('../') || isAbsolute(rel);
    });
  if (outside.length === 0) return cwd;
  const root = repositoryRootOf(outside[0]);
  for (const full of outside) {
    const rel = toPosix(relative(root, full));
    if (rel === '..' || rel.startsWith('../') || isAbsolute(rel))
      throw new Error(
        `${full} and ${outside[0]} are in different repositories; pass --root.`,
      );
  }
  return root;
}

/** A catalog file found on disk: path relative to the root (forward slashes) and its bytes. */
export interface DiscoveredFile extends CatalogFile {
  content: Buffer;
}

export interface DiscoverOptions {
  /** Also read the files that Location entities point at with relative targets, transitively. Default true. */
  followLocations?: boolean;
  /** Extra glob patterns to leave out (relative to the root). */
  ignore?: string[];
  /** Stop with an error past this many files, so a pattern like `**` cannot read a whole disk. Default 50,000. */
  maxFiles?: number;
  /**
   * Called once the patterns matched `count` files, before they are read (Location targets
   * may add more): lets the caller start what depends on the count, e.g. validation workers.
   */
  onMatched?: (count: number) => void;
  /**
   * Leave out software-template skeleton files (in a folder a Template entity fetches: one in a
   * template.yaml/.yml in a folder above the file, or among the catalog files; or
   * holding `${{ }}`/`{% %}` templating). Default true; `false` keeps them.
   */
  skipTemplateSkeletons?: boolean;
  /** Called once with the skeleton files left out (when there are any), path and why. */
  onSkipped?: (skipped: SkippedFile[]) => void;
}

/** A file found but left out, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s);
const hasGlob = (s: string) => /[*?[{]/.test(s);
// Cheap pre-check so only files that may hold a Location are parsed twice.
const mayHoldLocation = /kind:\s*["']?Location\b/;

/** Relative targets of the Location entities in a file, as repository paths or globs. */
function locationTargets(path: string, content: Buffer): string[] {
  const text = content.toString('utf8');
  if (!mayHoldLocation.test(text)) return [];
  const out: string[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text, { merge: false, logLevel: 'silent' });
  } catch {
    return out; // The engine reports why this file does not parse.
  }
  if (!Array.isArray(docs)) return out;
  for (const doc of docs) {
    if (doc.errors.length) continue;
    let value: any;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      continue;
    }
    if (
      !value ||
      value.kind !== 'Location' ||
      !value.spec ||
      typeof value.spec !== 'object'
    )
      continue;
    const targets = [
      value.spec.target,
      ...(Array.isArray(value.spec.targets) ? value.spec.targets : []),
    ];
    for (const t of targets) {
      if (typeof t !== 'string' || isUrl(t)) continue;
      const target = resolveRepoPath(path, t);
      if (target) out.push(target);
    }
  }
  return out;
}

/**
 * Finds catalog files below `root`: the files matching `patterns` (globs or plain paths,
 * relative to the root; `!pattern` excludes), plus the files Location entities among them point
 * at with relative targets (globs included), transitively. Paths are relative to the root with
 * forward slashes, sorted; each file is read once. Missing Location targets are left to the
 * engine's `location/target-missing` rule.
 */
export async function discoverCatalogFiles(
  root: string,
  patterns: string[] = DEFAULT_CATALOG_PATTERNS,
  options: DiscoverOptions = {},
): Promise<DiscoveredFile[]> {
  const absoluteRoot = resolve(root);
  if (!existsSync(absoluteRoot) || !statSync(absoluteRoot).isDirectory()) {
    throw new Error(
      `The folder to search, ${root}, does not exist; check the root directory.`,
    );
  }
  const maxFiles = options.maxFiles ?? 50_000;
  const ignore = [...ALWAYS_IGNORED, ...(options.ignore ?? [])];
  // Synchronous on purpose: nothing else runs meanwhile, and fast-glob's async walk waits on
  // the thread pool per folder (5,000 folders: ~0.4 s wall against ~0.2 s in one go).
  const glob = (list: string[]) =>
    fg.sync(list, {
      cwd: absoluteRoot,
      ignore,
      onlyFiles: true,
      dot: true,
      followSymbolicLinks: false,
      unique: true,
    });

  const skipSkeletons = options.skipTemplateSkeletons ?? true;
  const skeletonFolders = new Set<string>();
  // Template entities usually live in a template.yaml in a folder above their skeleton: each
  // folder above a found file is looked at once (a few stats, against a second walk of the
  // tree). Templates among the catalog files themselves are added as they are read.
  const lookedAt = new Set<string>();
  const findTemplatesAbove = (path: string) => {
    for (let dir = posix.dirname(path); ; dir = posix.dirname(dir)) {
      const folder = dir === '.' ? '' : dir;
      if (lookedAt.has(folder)) return;
      lookedAt.add(folder);
      for (const name of TEMPLATE_FILE_NAMES) {
        const file = folder ? `${folder}/${name}` : name;
        if (!existsSync(join(absoluteRoot, file))) continue;
        const content = readFileSync(join(absoluteRoot, file));
        for (const skeleton of templateSkeletonFolders(file, content))
          skeletonFolders.add(skeleton);
      }
      if (!folder) return;
    }
  };
  const skipped = new Map<string, string>();
  const cleaned = patterns.map(p => p.trim()).filter(Boolean);
  const queue = glob(
    cleaned.length ? cleaned : DEFAULT_CATALOG_PATTERNS,
  ).sort();
  options.onMatched?.(queue.length);
  const files = new Map<string, DiscoveredFile>();
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (files.has(path)) continue;
    if (files.size >= maxFiles) {
      throw new Error(
        `More than ${maxFiles} files match the patterns; narrow them (e.g. **/catalog-info.yaml).`,
      );
    }
    const content = readFileSync(join(absoluteRoot, path));
    if (skipSkeletons) {
      findTemplatesAbove(path);
      for (const folder of templateSkeletonFolders(path, content))
        skeletonFolders.add(folder);
      const reason = templateSkeletonReason(path, content, skeletonFolders);
      if (reason !== undefined) {
        skipped.set(path, reason);
        continue;
      }
    }
    files.set(path, { path, content });
    if (options.followLocations === false) continue;
    for (const target of locationTargets(path, content)) {
      if (files.has(target)) continue;
      if (hasGlob(target)) {
        queue.push(...glob([target]).sort());
      } else if (
        existsSync(join(absoluteRoot, target)) &&
        statSync(join(absoluteRoot, target)).isFile()
      ) {
        queue.push(target);
      }
    }
  }
  if (skipSkeletons) {
    // A Template read late may name the folder of a file read before it.
    for (const file of files.values()) {
      const reason = templateSkeletonReason(file.path, '', skeletonFolders);
      if (reason === undefined) continue;
      files.delete(file.path);
      skipped.set(file.path, reason);
    }
    if (skipped.size)
      options.onSkipped?.(
        [...skipped]
          .map(([path, reason]) => ({ path, reason }))
          .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      );
  }
  return [...files.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

/** One line naming the skeleton files left out, for the log of every command that finds files. */
export function skippedSkeletonsLine(skipped: readonly SkippedFile[]): string {
  const list = skipped.map(s => `${s.path} (${s.reason})`).join(', ');
  return `Skipped ${skipped.length} software-template skeleton file(s), not catalog files: ${list}. Turn this off with --include-template-skeletons (task input includeTemplateSkeletons).`;
}
