import { createHash } from 'node:crypto';
import type { Entity } from '@backstage/catalog-model';
import type { PushSource } from '@stagedoor/common';
import type { PushStore } from '../database/PushStore';
import type { EntityRow, SourceRow } from '../database/tables';
import type { StagedoorPushEntityProvider } from '../providers/StagedoorPushEntityProvider';
import { type DesiredEntity, withProvenance } from '../service/entities';
import { DISCOVERY_SUBJECT } from './DiscoveryStore';

/** What one save changed in the catalog (refs). */
export interface EntityChanges {
  added: string[];
  updated: string[];
  removed: string[];
}

/**
 * The discovery source a repository had under its previous key (renamed, moved to
 * another project, or a new default branch), whose entities move to the new key.
 */
export interface MovedSource {
  row: SourceRow;
  entities: EntityRow[];
}

const contentHashOf = (desired: DesiredEntity[]) =>
  `discovery:${createHash('sha256')
    .update(JSON.stringify(desired.map(d => [d.ref, d.contentHash]).sort()))
    .digest('hex')
    .slice(0, 40)}`;

/**
 * Stores a repository's entities as discovery's source and applies the difference to the
 * catalog, the way a push does (store first, then apply: a crash in between leaves the
 * source unapplied for the push module's reconcile). Call under the source's lock (and
 * the moved source's).
 *
 * An entity keeps the locationKey it was first stored under (its row's `location_key`),
 * also when it comes from `moved`: the catalog updates an entity in place only under the
 * same locationKey, so a renamed repository's entities keep their `metadata.uid` while
 * their annotations follow the new name. The moved source is emptied in the same
 * transaction, and its entities are never removed from the catalog in between.
 */
export async function saveDiscoveredSource(
  store: PushStore,
  provider: StagedoorPushEntityProvider,
  source: PushSource,
  sourceKey: string,
  desired: DesiredEntity[],
  current: SourceRow | undefined,
  moved?: MovedSource,
): Promise<EntityChanges> {
  const contentHash = contentHashOf(desired);
  const caughtUp =
    !current || current.applied_generation === current.generation;
  if (
    current?.content_hash === contentHash &&
    caughtUp &&
    !moved?.entities.length
  )
    return { added: [], updated: [], removed: [] };
  const previous = new Map(
    [...(moved?.entities ?? []), ...(await store.getEntities(sourceKey))].map(
      r => [r.entity_ref, r],
    ),
  );
  const rows: EntityRow[] = desired.map(d => {
    const before = previous.get(d.ref);
    const changed = !before || before.content_hash !== d.contentHash;
    return {
      entity_ref: d.ref,
      source_key: sourceKey,
      location_key: before?.location_key ?? d.locationKey,
      entity: changed
        ? JSON.stringify(withProvenance(d.entity, sourceKey, source))
        : before.entity,
      content_hash: d.contentHash,
      commit: changed ? source.commit : before.commit,
    };
  });
  const wanted = new Set(rows.map(r => r.entity_ref));
  const pendingOf = (row: SourceRow | undefined) =>
    row && row.applied_generation !== row.generation
      ? (JSON.parse(row.pending_removals) as string[])
      : [];
  const removals = [
    ...new Set([
      ...pendingOf(current),
      ...pendingOf(moved?.row),
      ...previous.keys(),
    ]),
  ].filter(r => !wanted.has(r));
  const generation = (current?.generation ?? 0) + 1;
  await store.transaction(async trx => {
    if (moved) {
      // Emptied and marked applied: its removals are the new source's pending removals.
      const g = moved.row.generation + 1;
      await store.saveState(
        trx,
        {
          ...moved.row,
          content_hash: contentHashOf([]),
          pushed_at: new Date(),
          generation: g,
          applied_generation: g,
          pending_removals: '[]',
        },
        [],
      );
    }
    await store.saveState(
      trx,
      {
        source_key: sourceKey,
        organization_url: source.organizationUrl,
        project: source.project,
        repository_name: source.repositoryName,
        repository_id: source.repositoryId ?? null,
        branch: source.branch,
        commit: source.commit,
        build_id: null,
        build_url: null,
        commit_time: null,
        content_hash: contentHash,
        pushed_by: DISCOVERY_SUBJECT,
        pushed_at: new Date(),
        generation,
        applied_generation: current?.applied_generation ?? 0,
        pending_removals: JSON.stringify(removals),
      },
      rows,
    );
  });
  const toApply = rows.filter(r => {
    const before = previous.get(r.entity_ref);
    return !caughtUp || !before || before.content_hash !== r.content_hash;
  });
  await provider.applyDelta(
    toApply.map(r => ({
      entity: JSON.parse(r.entity) as Entity,
      locationKey: r.location_key,
    })),
    removals,
  );
  await store.markApplied(sourceKey, generation);
  return {
    added: rows.filter(r => !previous.has(r.entity_ref)).map(r => r.entity_ref),
    updated: rows
      .filter(r => {
        const before = previous.get(r.entity_ref);
        return before && before.content_hash !== r.content_hash;
      })
      .map(r => r.entity_ref),
    removed: removals,
  };
}
