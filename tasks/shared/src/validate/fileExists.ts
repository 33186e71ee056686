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
