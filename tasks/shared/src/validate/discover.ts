import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fg from 'fast-glob';
import { parseAllDocuments } from 'yaml';
import { resolveRepoPath, type CatalogFile } from '@stagedoor/common';

/** Where catalog files are looked for when no pattern is given: `catalog-info.yaml`/`.yml` anywhere. */
export const DEFAULT_CATALOG_PATTERNS = [
  '**/catalog-info.yaml',
  '**/catalog-info.yml',
];

/** Folders never searched: dependencies and VCS internals are not the repository's catalog. */
export const ALWAYS_IGNORED = ['**/node_modules/**', '**/.git/**'];

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
  return [...files.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}
