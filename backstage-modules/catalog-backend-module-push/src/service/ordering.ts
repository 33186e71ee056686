import type { PushSource } from '@stagedoor/common';
import type { SourceRow } from '../database/tables';

/** How an incoming push relates to the last one stored for its source. */
export type PushOrder = 'first' | 'repeat' | 'newer' | 'stale';

/**
 * Orders a push against the stored one. Build ids increase within an organization,
 * so they decide first; the commit time decides when a build id is missing on either
 * side; with neither, the later arrival wins. The same commit with the same content is
 * a repeat (idempotent), whatever its build id, so a re-run of an old build is a no-op.
 */
export function orderPush(
  incoming: PushSource,
  contentHash: string,
  stored: SourceRow | undefined,
): PushOrder {
  if (!stored) return 'first';
  if (stored.commit.toLowerCase() === incoming.commit.toLowerCase()) {
    return stored.content_hash === contentHash ? 'repeat' : 'newer';
  }
  const storedBuild =
    stored.build_id === null ? undefined : Number(stored.build_id);
  if (incoming.buildId !== undefined && storedBuild !== undefined) {
    return incoming.buildId < storedBuild ? 'stale' : 'newer';
  }
  if (incoming.commitTime && stored.commit_time) {
    return Date.parse(incoming.commitTime) < Date.parse(stored.commit_time)
      ? 'stale'
      : 'newer';
  }
  return 'newer';
}
