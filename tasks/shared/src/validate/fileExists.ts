import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Remembers answers: many entities point at the same folders (and the engine may run twice). */
export function cachedExists(
  fn: (path: string) => boolean,
): (path: string) => boolean {
  const seen = new Map<string, boolean>();
  return path => {
    let hit = seen.get(path);
    if (hit === undefined) seen.set(path, (hit = fn(path)));
    return hit;
  };
}

/** Placeholder files bigger than this are not read for the policy (the catalog reads them, not us). */
const MAX_PLACEHOLDER_BYTES = 1024 * 1024;

/**
 * Reads a repository file for `$text` / `$json` / `$yaml` placeholders (the engine's
 * `readFile`): undefined when it is missing, not a file, too big or unreadable.
 */
export function repoFileReader(
  root: string,
): (path: string) => string | undefined {
  return path => {
    try {
      const full = join(root, path);
      const stat = statSync(full);
      if (!stat.isFile() || stat.size > MAX_PLACEHOLDER_BYTES) return undefined;
      return readFileSync(full, 'utf8');
    } catch {
      return undefined;
    }
  };
}
