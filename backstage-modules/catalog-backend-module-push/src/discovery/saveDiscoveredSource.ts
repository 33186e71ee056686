import { createHash } from 'node:crypto';
import type { Entity } from '@backstage/catalog-model';
import type { PushSource } from '@stagedoor/common';
import type { PushStore } from '../database/PushStore';
import type { EntityRow, SourceRow } from '../database/tables';
import type { StagedoorPushEntityProvider } from '../providers/StagedoorPushEntityProvider';
import { type DesiredEntity, withProvenance } from '../service/entities';
import { DISCOVERY_SUBJECT } from './DiscoveryStore';

/**
 * Stores a repository's entities as discovery's source and applies the difference to the
 * catalog, the way a push does (store first, then apply: a crash in between leaves the
 * source unapplied for the push module's reconcile). Call under the source's lock.
 */
export async function saveDiscoveredSource(
  store: PushStore,
  provider: StagedoorPushEntityProvider,
  source: PushSource,
  sourceKey: string,
  desired: DesiredEntity[],
  current: SourceRow | undefined,
): Promise<void> {
  const contentHash = `discovery:${createHash('sha256')
    .update(JSON.stringify(desired.map(d => [d.ref, d.contentHash]).sort()))
    .digest('hex')
    .slice(0, 40)}`;
  const caughtUp =
    !current || current.applied_generation === current.generation;
  if (current?.content_hash === contentHash && caughtUp) return;
  const previous = new Map(
    (await store.getEntities(sourceKey)).map(r => [r.entity_ref, r]),
  );
  const rows: EntityRow[] = desired.map(d => {
    const before = previous.get(d.ref);
    const changed = !before || before.content_hash !== d.contentHash;
    return {
      entity_ref: d.ref,
      source_key: sourceKey,
      location_key: d.locationKey,
      entity: changed
        ? JSON.stringify(withProvenance(d.entity, sourceKey, source))
        : before.entity,
      content_hash: d.contentHash,
      commit: changed ? source.commit : before.commit,
    };
  });
  const wanted = new Set(rows.map(r => r.entity_ref));
  const pendingBefore: string[] =
    current && !caughtUp ? JSON.parse(current.pending_removals) : [];
  const removals = [...new Set([...pendingBefore, ...previous.keys()])].filter(
    r => !wanted.has(r),
  );
  const generation = (current?.generation ?? 0) + 1;
  await store.transaction(trx =>
    store.saveState(
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
    ),
  );
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
}
