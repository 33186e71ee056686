import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  checkCatalogFiles,
  type DeleteSourceResponse,
  finishCatalogValidation,
  hasErrors,
  type PushRequest,
  type PushResponse,
  repoPathOf,
  shortBranchName,
  sourceKeyOf,
  type ValidateOptions,
} from '@stagedoor/common';
import type { PushConfig } from '../config';
import type { PushStore } from '../database/PushStore';
import type { EntityRow, SourceRow } from '../database/tables';
import type { StagedoorPushEntityProvider } from '../providers/StagedoorPushEntityProvider';
import type { PushMetrics } from './metrics';
import { authorizeKinds, authorizeSource, type Grant } from './authorize';
import { toDesiredEntities } from './entities';
import {
  BranchRefusedError,
  OwnershipConflictError,
  PayloadTooLargeError,
  UnprocessableEntitiesError,
} from './errors';
import { checkCatalogOwnership } from './ownership';
import {
  type AdmittedPush,
  caughtUp,
  checkBranch,
  checkForeignOwners,
  contentHashOf,
  orderAgainst,
  planPush,
  planRemoval,
  pushResponse,
  repeatChanges,
  type SourceState,
  type StoredSource,
} from './plan';
import { Semaphore } from './semaphore';

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

  /**
   * A push in three steps: admit (authorization, validation, limits, ownership outside
   * the store), then, under the source's lock, plan (ordering, the store's owners, the
   * state to store) and commit (store, then apply).
   */
  private async pushUnlogged(
    request: PushRequest,
    sourceKey: string,
    subject: string,
    dryRun: boolean,
  ): Promise<PushResponse> {
    const push = await this.admit(request, sourceKey, subject, dryRun);
    const { store } = this.options;
    return this.slots.run(() =>
      store.withSourceLock(sourceKey, async () => {
        const stored = await this.readStored(sourceKey);
        if (orderAgainst(push, stored) === 'repeat') {
          return pushResponse(
            push,
            { dryRun, applied: false },
            repeatChanges(stored),
          );
        }
        const owners = await store.foreignOwners(
          sourceKey,
          push.desired.map(d => d.ref),
        );
        if (!push.grant.rule.previewBranches)
          checkBranch(sourceKey, push.branch, owners);
        checkForeignOwners(owners);
        const plan = planPush(push, stored, new Date());
        const answer = pushResponse(
          push,
          { dryRun, applied: true },
          plan.changes,
        );
        if (dryRun) {
          if (plan.removesAllEntities) answer.removesAllEntities = true;
          return answer;
        }
        await this.commit(plan.state);
        return answer;
      }),
    );
  }

  /**
   * Admission: what can be decided before the source's lock. Throws the typed errors of
   * the protocol (403, 400, 413, 422, 409); a push that passes is ready to plan.
   */
  private async admit(
    request: PushRequest,
    sourceKey: string,
    subject: string,
    dryRun: boolean,
  ): Promise<AdmittedPush> {
    const { source, files } = request;
    const { config, store, discovery } = this.options;
    const grant = authorizeSource(config.rules, subject, repoPathOf(sourceKey));
    const branch = shortBranchName(source.branch);
    checkConfiguredBranch(grant, sourceKey, branch);
    const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
    if (bytes > grant.rule.maxBytes) {
      throw new PayloadTooLargeError({
        unit: 'bytes',
        limit: grant.rule.maxBytes,
        actual: bytes,
        setting: 'stagedoor.push.rules[].maxBytes',
      });
    }

    const validation = await this.validate(files);
    const resolved = toDesiredEntities(
      source,
      validation.entities,
      new Set(files.map(f => f.path.replace(/^\/+/, ''))),
    );
    const problems = [...validation.problems, ...resolved.problems];
    if (hasErrors(problems)) throw new UnprocessableEntitiesError(problems);
    const desired = resolved.entities;
    if (desired.length > grant.rule.maxEntities) {
      throw new PayloadTooLargeError({
        unit: 'entities',
        limit: grant.rule.maxEntities,
        actual: desired.length,
        setting: 'stagedoor.push.rules[].maxEntities',
      });
    }
    authorizeKinds(
      grant,
      desired.map(d => d.entity.kind),
    );
    if (!dryRun && discovery) {
      await discovery.yieldRepository(sourceKey, source.commit);
    }
    // Entities this source already owns need no catalog round trip: only new refs can
    // collide with another provider or location (most pushes are updates).
    const owned = await store.ownedRefs(sourceKey);
    const added = desired.filter(d => !owned.has(d.ref));
    if (!grant.rule.previewBranches) {
      // The same repository on another branch owns them: say which branch, not "owned".
      checkBranch(
        sourceKey,
        branch,
        await store.foreignOwners(
          sourceKey,
          added.map(d => d.ref),
        ),
      );
    }
    await checkCatalogOwnership(
      this.options.catalog,
      this.options.auth,
      sourceKey,
      added,
    );
    return {
      source,
      sourceKey,
      subject,
      branch,
      grant,
      desired,
      problems,
      contentHash: contentHashOf(desired),
    };
  }

  /** What the source has stored; read under its lock. */
  private async readStored(sourceKey: string): Promise<StoredSource> {
    const { store } = this.options;
    const current = await store.getSource(sourceKey);
    const entities = new Map(
      (await store.getEntities(sourceKey)).map(r => [r.entity_ref, r]),
    );
    return { current, entities };
  }

  /**
   * Stores the state first, then applies it: a crash in between leaves
   * `applied_generation` behind, and the reconcile re-applies the stored state.
   */
  private async commit(state: SourceState): Promise<void> {
    if (!(await this.options.store.saveSource(state.source, state.entities))) {
      throw new OwnershipConflictError(
        'Another source claimed one of these entities at the same time',
        state.entities.map(r => ({
          entityRef: r.entity_ref,
          ownerType: 'source' as const,
        })),
      );
    }
    await this.apply(state.source, state.toApply);
  }

  /**
   * The apply half of a commit: sends `rows` and the source's pending removals to the
   * catalog, then marks the source's generation applied.
   */
  private async apply(source: SourceRow, rows: EntityRow[]): Promise<void> {
    await this.options.provider.applyDelta(
      rows.map(r => ({
        entity: JSON.parse(r.entity) as Entity,
        locationKey: r.location_key,
      })),
      JSON.parse(source.pending_removals),
    );
    await this.options.store.markApplied(source.source_key, source.generation);
  }

  /** Throws SourceNotAllowedError (403) unless a push rule lets `subject` push `sourceKey`. */
  authorize(subject: string, sourceKey: string): Grant {
    return authorizeSource(
      this.options.config.rules,
      subject,
      repoPathOf(sourceKey),
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
    this.authorize(subject, key);
    const { store, logger } = this.options;
    return this.slots.run(() =>
      store.withSourceLock(key, async () => {
        const current = await store.getSource(key);
        const refs = (await store.getEntities(key)).map(r => r.entity_ref);
        if (!current || (refs.length === 0 && caughtUp(current))) {
          throw new NotFoundError(
            `Source ${key} has no entities in the catalog; nothing to remove`,
          );
        }
        if (dryRun) return { sourceKey: key, dryRun: true, removed: refs };
        await this.commit(planRemoval(current, refs, subject, new Date()));
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
    const { store, logger } = this.options;
    let count = 0;
    for (const sourceKey of await store.listUnapplied()) {
      await store.withSourceLock(sourceKey, async () => {
        const current = await store.getSource(sourceKey);
        if (!current || current.applied_generation >= current.generation)
          return;
        await this.apply(current, await store.getEntities(sourceKey));
        count++;
        logger.info(`reconciled ${sourceKey} at ${current.commit}`, {
          event: 'stagedoor.push.reconciled',
          sourceKey,
        });
      });
    }
    return count;
  }
}

/** Throws BranchRefusedError (400) when the rule names another branch than the push's. */
function checkConfiguredBranch(
  grant: Grant,
  sourceKey: string,
  branch: string,
): void {
  const configured = grant.rule.branch;
  if (
    configured &&
    !grant.rule.previewBranches &&
    branch.toLowerCase() !== configured.toLowerCase()
  ) {
    throw new BranchRefusedError({
      repository: repoPathOf(sourceKey),
      branch,
      expectedBranch: configured,
      reason: 'configured',
    });
  }
}
