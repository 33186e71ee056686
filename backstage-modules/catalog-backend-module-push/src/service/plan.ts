import { createHash } from 'node:crypto';
import {
  branchOfSourceKey,
  type Problem,
  type PushResponse,
  type PushSource,
  repoPathOf,
} from '@stagedoor/common';
import type { EntityRow, SourceRow } from '../database/tables';
import type { Grant } from './authorize';
import { type DesiredEntity, withProvenance } from './entities';
import {
  BranchRefusedError,
  OwnershipConflictError,
  StalePushError,
} from './errors';
import { orderPush } from './ordering';

/*
 * The pure rules of a push, between admission and commit: how it orders against the
 * stored push, who else owns its entities, and the state it stores. No I/O here; the
 * push service reads the stored state and hands it in.
 */

/** A push that passed admission: allowed, valid, within its rule's limits. */
export interface AdmittedPush {
  source: PushSource;
  sourceKey: string;
  subject: string;
  /** The short branch name the push came from. */
  branch: string;
  grant: Grant;
  desired: DesiredEntity[];
  /** Warnings found while validating (errors refuse the push). */
  problems: Problem[];
  /** Hash of every desired entity's ref and content: what a repeat must match. */
  contentHash: string;
}

/** What a source has stored, read under its lock. */
export interface StoredSource {
  current: SourceRow | undefined;
  /** Entity rows the source owns, by ref. */
  entities: Map<string, EntityRow>;
}

/** What a push changes in the catalog, by entity ref. */
export interface PushChanges {
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: string[];
}

/** State to store for a source and what of it to send to the catalog. */
export interface SourceState {
  source: SourceRow;
  /** Every entity row the source owns after the push. */
  entities: EntityRow[];
  /** The rows the catalog needs; removals are the source's `pending_removals`. */
  toApply: EntityRow[];
}

/** A push planned under its source's lock: what it changes and the state it stores. */
export interface PushPlan {
  changes: PushChanges;
  /** The source had entities and the push removes every one of them. */
  removesAllEntities: boolean;
  state: SourceState;
}

/** Hash of a set of desired entities (ref and content), independent of their order. */
export function contentHashOf(desired: DesiredEntity[]): string {
  return createHash('sha256')
    .update(JSON.stringify(desired.map(d => [d.ref, d.contentHash]).sort()))
    .digest('hex');
}

/** True when the stored state reached the catalog (or there is none). */
export function caughtUp(current: SourceRow | undefined): boolean {
  return !current || current.applied_generation === current.generation;
}

/** Removals an interrupted apply left behind: they still have to reach the catalog. */
export function pendingRemovals(current: SourceRow | undefined): string[] {
  return current && !caughtUp(current)
    ? (JSON.parse(current.pending_removals) as string[])
    : [];
}

/**
 * Throws BranchRefusedError when one of `owners` (ref → source key) is the same
 * repository on another branch: names the branch to push from, not "owned".
 */
export function checkBranch(
  sourceKey: string,
  branch: string,
  owners: Map<string, string>,
): void {
  const repository = repoPathOf(sourceKey);
  const sameRepository = [...owners.values()].find(
    owner => repoPathOf(owner) === repository,
  );
  if (sameRepository) {
    throw new BranchRefusedError({
      repository,
      branch,
      expectedBranch: branchOfSourceKey(sameRepository),
      reason: 'established',
    });
  }
}

/** Throws OwnershipConflictError when other sources own entities of the push. */
export function checkForeignOwners(owners: Map<string, string>): void {
  if (owners.size > 0) {
    throw new OwnershipConflictError(
      'Already owned by another source',
      [...owners].map(([entityRef, owner]) => ({
        entityRef,
        ownerType: 'source' as const,
        owner,
      })),
    );
  }
}

/**
 * Orders the push against the stored one: throws StalePushError for an older push;
 * `repeat` for the applied commit again (caught up), which changes nothing.
 */
export function orderAgainst(
  push: AdmittedPush,
  stored: StoredSource,
): 'repeat' | 'change' {
  const { current } = stored;
  const order = orderPush(push.source, push.contentHash, current);
  if (order === 'stale') {
    throw new StalePushError({
      sourceKey: push.sourceKey,
      incoming: {
        commit: push.source.commit,
        buildId: push.source.buildId ?? null,
      },
      applied: {
        commit: current!.commit,
        buildId: current!.build_id === null ? null : Number(current!.build_id),
      },
    });
  }
  return order === 'repeat' && caughtUp(current) ? 'repeat' : 'change';
}

/** What a repeat of the applied push answers: everything unchanged. */
export function repeatChanges(stored: StoredSource): PushChanges {
  return {
    added: [],
    updated: [],
    removed: [],
    unchanged: [...stored.entities.keys()],
  };
}

/**
 * The state a push that is not a repeat stores, and what it changes, from what its
 * source has stored (ordered and checked for foreign owners already).
 */
export function planPush(
  push: AdmittedPush,
  stored: StoredSource,
  pushedAt: Date,
): PushPlan {
  const { source, sourceKey, desired } = push;
  const { current, entities: previous } = stored;
  const changes: PushChanges = {
    added: [],
    updated: [],
    removed: [],
    unchanged: [],
  };
  const entities: EntityRow[] = desired.map(d => {
    const before = previous.get(d.ref);
    const changed = !before || before.content_hash !== d.contentHash;
    (!before
      ? changes.added
      : changed
        ? changes.updated
        : changes.unchanged
    ).push(d.ref);
    return {
      entity_ref: d.ref,
      source_key: sourceKey,
      // The key it was first stored under: the catalog updates in place only under it (a renamed repository).
      location_key: before?.location_key ?? d.locationKey,
      entity: JSON.stringify(
        changed
          ? withProvenance(d.entity, sourceKey, source)
          : JSON.parse(before.entity),
      ),
      content_hash: d.contentHash,
      commit: changed ? source.commit : before.commit,
    };
  });
  const wanted = new Set(desired.map(d => d.ref));
  changes.removed = [...previous.keys()].filter(ref => !wanted.has(ref));
  const changedRefs = new Set([...changes.added, ...changes.updated]);
  const upToDate = caughtUp(current);
  const row: SourceRow = {
    source_key: sourceKey,
    organization_url: source.organizationUrl,
    project: source.project,
    repository_name: source.repositoryName,
    repository_id: source.repositoryId ?? null,
    branch: source.branch,
    commit: source.commit,
    build_id: source.buildId ?? null,
    build_url: source.buildUrl ?? null,
    commit_time: source.commitTime ?? null,
    content_hash: push.contentHash,
    pushed_by: push.subject,
    pushed_at: pushedAt,
    generation: (current?.generation ?? 0) + 1,
    applied_generation: current?.applied_generation ?? 0,
    pending_removals: JSON.stringify(
      [...new Set([...pendingRemovals(current), ...changes.removed])].filter(
        r => !wanted.has(r),
      ),
    ),
  };
  return {
    changes,
    removesAllEntities: previous.size > 0 && desired.length === 0,
    state: {
      source: row,
      entities,
      // After an interrupted apply, everything is re-sent: the catalog may hold any older state.
      toApply: entities.filter(r => !upToDate || changedRefs.has(r.entity_ref)),
    },
  };
}

/** The state that removes every entity of a source (offboarding); its row stays. */
export function planRemoval(
  current: SourceRow,
  refs: string[],
  subject: string,
  pushedAt: Date,
): SourceState {
  return {
    source: {
      ...current,
      content_hash: contentHashOf([]),
      pushed_by: subject,
      pushed_at: pushedAt,
      generation: current.generation + 1,
      pending_removals: JSON.stringify([
        ...new Set([...pendingRemovals(current), ...refs]),
      ]),
    },
    entities: [],
    toApply: [],
  };
}

/** The answer to a push. */
export function pushResponse(
  push: AdmittedPush,
  options: { dryRun: boolean; applied: boolean },
  changes: PushChanges,
): PushResponse {
  return {
    sourceKey: push.sourceKey,
    commit: push.source.commit,
    dryRun: options.dryRun,
    applied: options.applied,
    added: changes.added,
    updated: changes.updated,
    removed: changes.removed,
    unchanged: changes.unchanged,
    problems: push.problems,
  };
}
