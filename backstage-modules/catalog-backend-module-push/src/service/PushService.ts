import { createHash } from 'node:crypto';
import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { isDatabaseConflictError } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  checkCatalogFiles,
  type DeleteSourceResponse,
  finishCatalogValidation,
  hasErrors,
  type PushRequest,
  type PushResponse,
  shortBranchName,
  sourceKeyOf,
  type ValidateOptions,
} from '@stagedoor/common';
import type { PushConfig } from '../config';
import type { PushStore } from '../database/PushStore';
import type { EntityRow, SourceRow } from '../database/tables';
import type { StagedoorPushEntityProvider } from '../providers/StagedoorPushEntityProvider';
import type { PushMetrics } from './metrics';
import { authorizeKinds, authorizeSource } from './authorize';
import { toDesiredEntities, withProvenance } from './entities';
import { PayloadTooLargeError, UnprocessableEntitiesError } from './errors';
import { orderPush } from './ordering';
import { checkCatalogOwnership } from './ownership';
import { Semaphore } from './semaphore';

/** The answer to a push from another branch than the source's: names the branch to push from. */
function wrongBranchMessage(
  sourceKey: string,
  branch: string,
  expected: string,
  why: 'configured' | 'established',
): string {
  const repository = sourceKey.split('@')[0];
  const reason =
    why === 'configured'
      ? `the push rule for ${repository} accepts branch ${expected} only (stagedoor.push.rules[].branch)`
      : `the catalog entities of ${repository} come from branch ${expected}`;
  return (
    `This push is from branch ${branch}, but ${reason}; push from ${expected}, ` +
    'or set stagedoor.push.rules[].previewBranches: true to accept pushes from other branches'
  );
}

/** Throws when one of `owners` (ref → source key) is the same repository on another branch. */
function checkBranch(
  sourceKey: string,
  branch: string,
  owners: Map<string, string>,
): void {
  const repository = sourceKey.split('@')[0];
  const sameRepository = [...owners.values()].find(
    owner => owner.split('@')[0] === repository,
  );
  if (sameRepository) {
    throw new InputError(
      wrongBranchMessage(
        sourceKey,
        branch,
        sameRepository.slice(repository.length + 1),
        'established',
      ),
    );
  }
}

/** Everything the push rules need, built once in the module's init. */
export interface PushServiceOptions {
  config: PushConfig;
  store: PushStore;
  provider: StagedoorPushEntityProvider;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  /**
   * Discovery, when on: a push takes its repository over from it (see
   * `src/discovery`), so a repository discovery saw first never answers 409.
   */
  discovery?: {
    yieldRepository(sourceKey: string, commit: string): Promise<void>;
  };
  /** Counts pushes by outcome and times them (OpenTelemetry; no-ops without an SDK). */
  metrics?: PushMetrics;
}

/**
 * The push rules: authorization, validation, ownership, ordering and deletion.
 * The router handles HTTP; the store handles SQL; the provider talks to the catalog.
 */
export class PushService {
  private readonly slots: Semaphore;

  constructor(private readonly options: PushServiceOptions) {
    this.slots = new Semaphore(options.config.maxConcurrentPushes);
  }

  /** Accepts (or, with `dryRun`, evaluates) one push from `subject`. */
  async push(
    request: PushRequest,
    subject: string,
    dryRun: boolean,
  ): Promise<PushResponse> {
    const started = Date.now();
    const sourceKey = sourceKeyOf(request.source);
    try {
      const response = await this.pushUnlogged(
        request,
        sourceKey,
        subject,
        dryRun,
      );
      this.options.logger.info(
        `push ${response.applied ? 'accepted' : 'repeated'} for ${sourceKey}`,
        {
          event: 'stagedoor.push.accepted',
          sourceKey,
          commit: request.source.commit,
          buildId: request.source.buildId,
          subject,
          dryRun,
          applied: response.applied,
          added: response.added.length,
          updated: response.updated.length,
          removed: response.removed.length,
          unchanged: response.unchanged.length,
          latencyMs: Date.now() - started,
        },
      );
      this.options.metrics?.pushAccepted(response, started);
      return response;
    } catch (error) {
      const e = error as Error & { statusCode?: number };
      this.options.logger.warn(`push rejected for ${sourceKey}: ${e.message}`, {
        event: 'stagedoor.push.rejected',
        reason: e.name,
        sourceKey,
        commit: request.source.commit,
        subject,
        latencyMs: Date.now() - started,
      });
      this.options.metrics?.pushRejected(error, started);
      throw error;
    }
  }

  /**
   * The validation engine with the organisation's policy (`stagedoor.policy`): the same rules
   * and messages as the validate task. Placeholders read the pushed files; owners are looked
   * up in the catalog when the policy wants existing Groups.
   */
  private async validate(files: PushRequest['files']) {
    const policy = this.options.config.policy;
    const pushed = new Map(
      files.map(f => [f.path.replace(/^\/+/, ''), f.content]),
    );
    const options: ValidateOptions = {
      policy,
      readFile: p => pushed.get(p),
    };
    const checks = checkCatalogFiles(
      files.map(f => ({ path: f.path, content: f.content })),
      options,
    );
    const first = finishCatalogValidation([checks], options);
    const refs = first.unresolvedRefs ?? [];
    if (!policy?.ownerMustBeGroup || refs.length === 0) return first;
    const credentials = await this.options.auth.getOwnServiceCredentials();
    const { items } = await this.options.catalog.getEntitiesByRefs(
      { entityRefs: refs, fields: ['kind', 'metadata.name'] },
      { credentials },
    );
    const known = new Set(refs.filter((_, i) => items[i]));
    return finishCatalogValidation([checks], {
      ...options,
      knownEntityRefs: known,
    });
  }

  private async pushUnlogged(
    request: PushRequest,
    sourceKey: string,
    subject: string,
    dryRun: boolean,
  ): Promise<PushResponse> {
    const { source, files } = request;
    const grant = authorizeSource(
      this.options.config.rules,
      subject,
      sourceKey.split('@')[0],
    );
    const branch = shortBranchName(source.branch);
    const configured = grant.rule.branch;
    if (
      configured &&
      !grant.rule.previewBranches &&
      branch.toLowerCase() !== configured.toLowerCase()
    ) {
      throw new InputError(
        wrongBranchMessage(sourceKey, branch, configured, 'configured'),
      );
    }
    const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
    if (bytes > grant.rule.maxBytes) {
      throw new PayloadTooLargeError(
        `The push holds ${bytes} bytes of files; the limit for this source is ${grant.rule.maxBytes} (stagedoor.push.rules[].maxBytes)`,
      );
    }

    const validation = await this.validate(files);
    const resolved = toDesiredEntities(
      source,
      validation.entities,
      new Set(files.map(f => f.path.replace(/^\/+/, ''))),
    );
    const problems = [...validation.problems, ...resolved.problems];
    if (hasErrors(problems)) {
      const count = problems.filter(p => p.severity === 'error').length;
      throw new UnprocessableEntitiesError(
        `The pushed files have ${count} problem(s); fix them and push again`,
        problems,
      );
    }
    const desired = resolved.entities;
    if (desired.length > grant.rule.maxEntities) {
      throw new PayloadTooLargeError(
        `The push holds ${desired.length} entities; the limit for this source is ${grant.rule.maxEntities} (stagedoor.push.rules[].maxEntities)`,
      );
    }
    authorizeKinds(
      grant,
      desired.map(d => d.entity.kind),
    );
    if (!dryRun && this.options.discovery) {
      await this.options.discovery.yieldRepository(sourceKey, source.commit);
    }
    // Entities this source already owns need no catalog round trip: only new refs can
    // collide with another provider or location (most pushes are updates).
    const owned = await this.options.store.ownedRefs(sourceKey);
    if (!grant.rule.previewBranches) {
      // The same repository on another branch owns them: say which branch, not "owned".
      checkBranch(
        sourceKey,
        branch,
        await this.options.store.foreignOwners(
          sourceKey,
          desired.filter(d => !owned.has(d.ref)).map(d => d.ref),
        ),
      );
    }
    await checkCatalogOwnership(
      this.options.catalog,
      this.options.auth,
      sourceKey,
      desired.filter(d => !owned.has(d.ref)),
    );

    const contentHash = createHash('sha256')
      .update(JSON.stringify(desired.map(d => [d.ref, d.contentHash]).sort()))
      .digest('hex');

    return this.slots.run(() =>
      this.options.store.withSourceLock(sourceKey, async () => {
        const { store } = this.options;
        const current = await store.getSource(sourceKey);
        const order = orderPush(source, contentHash, current);
        const previous = new Map(
          (await store.getEntities(sourceKey)).map(r => [r.entity_ref, r]),
        );
        const caughtUp =
          !current || current.applied_generation === current.generation;
        if (order === 'stale') {
          throw new ConflictError(
            `Push of ${source.commit} (build ${source.buildId ?? 'unknown'}) is older than the last push applied for ${sourceKey}: ` +
              `${current!.commit} (build ${current!.build_id ?? 'unknown'}); it was not applied`,
          );
        }
        if (order === 'repeat' && caughtUp) {
          return this.answer(
            sourceKey,
            source.commit,
            dryRun,
            false,
            [],
            [],
            [],
            [...previous.keys()],
            problems,
          );
        }
        const owners = await store.foreignOwners(
          sourceKey,
          desired.map(d => d.ref),
        );
        if (!grant.rule.previewBranches) checkBranch(sourceKey, branch, owners);
        if (owners.size > 0) {
          throw new ConflictError(
            `Already owned by another source: ${[...owners].map(([ref, owner]) => `${ref} (source ${owner})`).join(', ')}`,
          );
        }
        const added: string[] = [];
        const updated: string[] = [];
        const unchanged: string[] = [];
        const rows: EntityRow[] = desired.map(d => {
          const before = previous.get(d.ref);
          const changed = !before || before.content_hash !== d.contentHash;
          (!before ? added : changed ? updated : unchanged).push(d.ref);
          return {
            entity_ref: d.ref,
            source_key: sourceKey,
            location_key: d.locationKey,
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
        const removed = [...previous.keys()].filter(ref => !wanted.has(ref));
        if (dryRun) {
          const answer = this.answer(
            sourceKey,
            source.commit,
            true,
            true,
            added,
            updated,
            removed,
            unchanged,
            problems,
          );
          if (previous.size > 0 && desired.length === 0)
            answer.removesAllEntities = true;
          return answer;
        }

        // Store first, then apply: a crash in between leaves applied_generation behind,
        // and the reconcile re-applies the stored state.
        const pendingBefore: string[] =
          current && !caughtUp ? JSON.parse(current.pending_removals) : [];
        const generation = (current?.generation ?? 0) + 1;
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
          content_hash: contentHash,
          pushed_by: subject,
          pushed_at: new Date(),
          generation,
          applied_generation: current?.applied_generation ?? 0,
          pending_removals: JSON.stringify(
            [...new Set([...pendingBefore, ...removed])].filter(
              r => !wanted.has(r),
            ),
          ),
        };
        try {
          await store.transaction(trx => store.saveState(trx, row, rows));
        } catch (error) {
          if (isDatabaseConflictError(error)) {
            throw new ConflictError(
              `Another source claimed one of these entities at the same time: ${[...wanted].join(', ')}`,
            );
          }
          throw error;
        }
        const changedRefs = new Set([...added, ...updated]);
        // After an interrupted apply, everything is re-sent: the catalog may hold any older state.
        const toApply = rows.filter(
          r => !caughtUp || changedRefs.has(r.entity_ref),
        );
        await this.options.provider.applyDelta(
          toApply.map(r => ({
            entity: JSON.parse(r.entity) as Entity,
            locationKey: r.location_key,
          })),
          JSON.parse(row.pending_removals),
        );
        await store.markApplied(sourceKey, generation);
        return this.answer(
          sourceKey,
          source.commit,
          false,
          true,
          added,
          updated,
          removed,
          unchanged,
          problems,
        );
      }),
    );
  }

  /**
   * Removes every entity of a push source from the catalog (or, with `dryRun`, says which
   * it would remove): the same authorization as a push for the source's repository, and the
   * same store-then-apply path as a push that contains nothing, so a crash in between is
   * reconciled. The source row stays (its commit and build order later pushes); a source
   * that is unknown, or owns nothing and is applied, answers 404 — a repeat changes nothing.
   */
  async deleteSource(
    sourceKey: string,
    subject: string,
    dryRun: boolean,
  ): Promise<DeleteSourceResponse> {
    const key = sourceKey.toLowerCase();
    authorizeSource(this.options.config.rules, subject, key.split('@')[0]);
    const { store, provider, logger } = this.options;
    return this.slots.run(() =>
      store.withSourceLock(key, async () => {
        const current = await store.getSource(key);
        const refs = (await store.getEntities(key)).map(r => r.entity_ref);
        const caughtUp =
          !current || current.applied_generation === current.generation;
        const pendingBefore: string[] =
          current && !caughtUp ? JSON.parse(current.pending_removals) : [];
        if (!current || (refs.length === 0 && caughtUp)) {
          throw new NotFoundError(
            `Source ${key} has no entities in the catalog; nothing to remove`,
          );
        }
        if (dryRun) return { sourceKey: key, dryRun: true, removed: refs };
        const generation = current.generation + 1;
        const removals = [...new Set([...pendingBefore, ...refs])];
        const row: SourceRow = {
          ...current,
          content_hash: createHash('sha256')
            .update(JSON.stringify([]))
            .digest('hex'),
          pushed_by: subject,
          pushed_at: new Date(),
          generation,
          pending_removals: JSON.stringify(removals),
        };
        await store.transaction(trx => store.saveState(trx, row, []));
        await provider.applyDelta([], removals);
        await store.markApplied(key, generation);
        logger.info(`source ${key} removed: ${refs.length} entities`, {
          event: 'stagedoor.push.source-deleted',
          sourceKey: key,
          subject,
          removed: refs.length,
        });
        return { sourceKey: key, dryRun: false, removed: refs };
      }),
    );
  }

  /**
   * Re-applies every source whose stored push did not reach the catalog. Safe to run on
   * every replica at any time: it takes the same per-source lock as a push.
   */
  async reconcile(): Promise<number> {
    const { store, provider, logger } = this.options;
    let count = 0;
    for (const sourceKey of await store.listUnapplied()) {
      await store.withSourceLock(sourceKey, async () => {
        const current = await store.getSource(sourceKey);
        if (!current || current.applied_generation >= current.generation)
          return;
        const rows = await store.getEntities(sourceKey);
        await provider.applyDelta(
          rows.map(r => ({
            entity: JSON.parse(r.entity) as Entity,
            locationKey: r.location_key,
          })),
          JSON.parse(current.pending_removals),
        );
        await store.markApplied(sourceKey, current.generation);
        count++;
        logger.info(`reconciled ${sourceKey} at ${current.commit}`, {
          event: 'stagedoor.push.reconciled',
          sourceKey,
        });
      });
    }
    return count;
  }

  private answer(
    sourceKey: string,
    commit: string,
    dryRun: boolean,
    applied: boolean,
    added: string[],
    updated: string[],
    removed: string[],
    unchanged: string[],
    problems: PushResponse['problems'],
  ): PushResponse {
    return {
      sourceKey,
      commit,
      dryRun,
      applied,
      added,
      updated,
      removed,
      unchanged,
      problems,
    };
  }
}
