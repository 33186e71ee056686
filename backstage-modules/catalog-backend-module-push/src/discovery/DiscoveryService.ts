import { createHash } from 'node:crypto';
import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { AzureDevOpsCredentialsProvider } from '@backstage/integration';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  hasErrors,
  organizationName,
  type Problem,
  type PushSource,
  shortBranchName,
  sourceKeyOf,
} from '@stagedoor/common';
import type { PushStore } from '../database/PushStore';
import type { SourceRow } from '../database/tables';
import type { StagedoorPushEntityProvider } from '../providers/StagedoorPushEntityProvider';
import type { DesiredEntity } from '../service/entities';
import { checkCatalogOwnership } from '../service/ownership';
import {
  AzureDevOpsDiscoveryClient,
  type AzureDevOpsRequestError,
  type DiscoveredRepository,
} from './AzureDevOpsDiscoveryClient';
import {
  type DiscoveryConfig,
  type DiscoveryOrganization,
  isGlob,
  pathGlobToRegExp,
} from './config';
import {
  DISCOVERY_SUBJECT,
  type DiscoveryRow,
  DiscoveryStore,
  type RepositoryState,
} from './DiscoveryStore';
import { entitiesOfFiles, placeholderEntity } from './entities';
import {
  type EntityChanges,
  type MovedSource,
  saveDiscoveredSource,
} from './saveDiscoveredSource';

/** Everything discovery needs, built once in the module's init. */
export interface DiscoveryServiceOptions {
  config: DiscoveryConfig;
  store: PushStore;
  provider: StagedoorPushEntityProvider;
  catalog: CatalogService;
  auth: AuthService;
  credentialsProvider: AzureDevOpsCredentialsProvider;
  logger: LoggerService;
  /**
   * What happens to the entities of a disabled or deleted repository (`stagedoor.hooks.onRepositoryGone`):
   * removed (the default), or kept with the label {@link LABEL_REPOSITORY_STATE}.
   */
  onRepositoryGone?: 'remove' | 'mark';
}

/** On the entities of a disabled or deleted repository, with `onRepositoryGone: mark`: `disabled` or `deleted`. */
export const LABEL_REPOSITORY_STATE = 'stagedoor.io/repository-state';

/** Why a repository discovery knew is no longer discovered. */
type GoneReason = 'disabled' | 'deleted' | 'filtered';

/** What re-reading one repository did (logged and audited by the service hook receiver). */
export interface RefreshResult {
  outcome: 'read' | 'unchanged' | 'pushed' | 'removed' | 'marked' | 'ignored';
  /** The repository's source key, when discovery knows it. */
  sourceKey?: string;
  /** What changed in the catalog (refs). */
  changes?: EntityChanges;
}

/** What one run did, per organization summed up (logged, and read by tests and the benchmark). */
export interface DiscoveryRunSummary {
  repositories: number;
  unchanged: number;
  read: number;
  filesRead: number;
  pushed: number;
  removed: number;
  /** Disabled or deleted repositories whose entities were kept and marked (`onRepositoryGone: mark`). */
  marked: number;
  failedProjects: string[];
  failedRepositories: string[];
  requests: number;
  durationMs: number;
}

/** What one repository's read produced. */
type Outcome = 'unchanged' | 'read' | 'pushed';

/**
 * Finds every repository of the configured organizations and keeps one entity set
 * per repository in the catalog: its catalog files' entities, or a placeholder.
 * Entities are stored and applied exactly as a push of the repository's default
 * branch would be (same source key, same tables, same provider), so a later push of
 * that branch simply replaces them; a source a pipeline has pushed is never touched.
 */
export class DiscoveryService {
  private readonly discovery: DiscoveryStore;
  private readonly logger: LoggerService;

  constructor(private readonly options: DiscoveryServiceOptions) {
    this.discovery = new DiscoveryStore(options.store);
    this.logger = options.logger.child({ target: 'stagedoor-discovery' });
  }

  /** One discovery run over every organization; an organization failing is logged, not thrown. */
  async run(): Promise<DiscoveryRunSummary> {
    const started = Date.now();
    const total: DiscoveryRunSummary = {
      repositories: 0,
      unchanged: 0,
      read: 0,
      filesRead: 0,
      pushed: 0,
      removed: 0,
      marked: 0,
      failedProjects: [],
      failedRepositories: [],
      requests: 0,
      durationMs: 0,
    };
    for (const org of this.options.config.organizations) {
      try {
        await this.runOrganization(org, total);
      } catch (e) {
        total.failedProjects.push(`${org.url}/*`);
        this.logger.error(
          `discovery of ${org.url} failed: ${(e as Error).message}`,
        );
      }
    }
    total.durationMs = Date.now() - started;
    this.logger.info(
      `discovery: ${total.repositories} repositories, ${total.read} read (${total.filesRead} files), ${total.unchanged} unchanged, ${total.pushed} owned by push, ${total.removed} removed, ${total.marked} marked, ${total.failedProjects.length} projects and ${total.failedRepositories.length} repositories failed, ${total.requests} requests in ${total.durationMs} ms`,
      { event: 'stagedoor.discovery.run', ...total },
    );
    return total;
  }

  private async runOrganization(
    org: DiscoveryOrganization,
    total: DiscoveryRunSummary,
  ): Promise<void> {
    const { config } = this.options;
    const client = await AzureDevOpsDiscoveryClient.connect({
      organizationUrl: org.url,
      credentialsProvider: this.options.credentialsProvider,
      logger: this.logger,
      maxConcurrency: config.maxConcurrency,
      maxRetries: config.maxRetries,
      maxRetryWaitMs: config.maxRetryWaitMs,
      requestTimeoutMs: config.requestTimeoutMs,
    });
    try {
      const allProjects = await client.listProjects();
      const projects = allProjects.filter(p =>
        org.projects.some(re => re.test(p.name)),
      );
      const known = await this.discovery.repositories(org.url);
      const pushed = await this.discovery.pushedRepositories(
        organizationName(org.url),
      );
      const unlisted = new Set<string>();
      const seen = new Set<string>();
      const listed = new Set<string>();
      const disabled = new Set<string>();
      const work: DiscoveredRepository[] = [];
      await Promise.all(
        projects.map(async p => {
          try {
            for (const r of await client.listRepositories(p.name)) {
              listed.add(r.id);
              if (!org.repositories.some(re => re.test(`${p.name}/${r.name}`)))
                continue;
              if (r.isDisabled) disabled.add(r.id);
              if (r.isDisabled || !r.defaultBranch || r.size === 0) continue;
              if (r.isFork && !org.includeForks) continue;
              work.push(r);
            }
          } catch (e) {
            unlisted.add(p.name.toLowerCase());
            total.failedProjects.push(`${org.url}/${p.name}`);
            this.logger.warn(
              `discovery: could not list the repositories of ${org.url}/${p.name} (retried next run): ${(e as Error).message}`,
            );
          }
        }),
      );
      // Repositories go through a pool a little wider than the request limit, so the
      // catalog writes of some overlap the requests of others.
      const queue = [...work];
      const lanes = Array.from(
        { length: Math.min(queue.length, config.maxConcurrency * 2) },
        async () => {
          for (let r = queue.shift(); r; r = queue.shift()) {
            seen.add(r.id);
            total.repositories++;
            try {
              const outcome = await this.discoverRepository(
                client,
                org,
                r,
                known.get(r.id),
                pushed,
              );
              if (outcome.outcome === 'unchanged') total.unchanged++;
              else if (outcome.outcome === 'pushed') total.pushed++;
              else total.read++;
              total.filesRead += outcome.filesRead;
            } catch (e) {
              total.failedRepositories.push(`${r.project}/${r.name}`);
              this.logger.warn(
                `discovery: could not read ${org.url}/${r.project}/${r.name} (retried next run): ${(e as Error).message}`,
              );
            }
          }
        },
      );
      await Promise.all(lanes);
      // Gone, disabled, emptied or filtered out (with its project, or alone): remove (or
      // mark), unless its project could not be listed this time.
      const projectExists = new Set(allProjects.map(p => p.name.toLowerCase()));
      for (const row of known.values()) {
        if (seen.has(row.repository_id)) continue;
        if (unlisted.has(row.project.toLowerCase())) continue;
        const reason: GoneReason = disabled.has(row.repository_id)
          ? 'disabled'
          : !listed.has(row.repository_id) &&
              (!projectExists.has(row.project.toLowerCase()) ||
                projects.some(
                  p => p.name.toLowerCase() === row.project.toLowerCase(),
                ))
            ? 'deleted'
            : 'filtered';
        const result = await this.gone(row, reason);
        if (result.outcome === 'removed') total.removed++;
        if (result.outcome === 'marked') total.marked++;
      }
    } finally {
      total.requests += client.requests;
    }
  }

  /**
   * Reads one repository and brings its entities up to date: nothing when its head
   * and the settings did not change; its catalog files' entities; or a placeholder.
   */
  async discoverRepository(
    client: AzureDevOpsDiscoveryClient,
    org: DiscoveryOrganization,
    repo: DiscoveredRepository,
    previous: DiscoveryRow | undefined,
    pushed: Set<string>,
  ): Promise<{
    outcome: Outcome;
    filesRead: number;
    /** What the read changed in the catalog (absent when nothing was saved). */
    changes?: EntityChanges;
  }> {
    const { config } = this.options;
    const source: PushSource = {
      organizationUrl: org.url,
      project: repo.project,
      repositoryName: repo.name,
      repositoryId: repo.id,
      branch: shortBranchName(repo.defaultBranch!),
      commit: '0000000',
    };
    const sourceKey = sourceKeyOf(source);
    const repositoryKey = sourceKey.replace(/@[^@]*$/, '');
    const row = (
      state: RepositoryState,
      head: string | null,
      problems: Problem[],
    ): DiscoveryRow => ({
      repository_id: repo.id,
      organization_url: org.url,
      project: repo.project,
      repository_name: repo.name,
      source_key: sourceKey,
      head_commit: head,
      fingerprint: config.fingerprint,
      state,
      problems: JSON.stringify(problems),
      checked_at: new Date(),
    });

    if (pushed.has(repositoryKey)) {
      if (previous?.state !== 'pushed') {
        for (const key of await this.discovery.discoveredSourcesOf(
          repositoryKey,
        ))
          await this.release(key, previous?.head_commit ?? '0000000');
        await this.discovery.save(row('pushed', null, []));
      }
      return { outcome: 'pushed', filesRead: 0 };
    }
    const head = await client.headOf(
      repo.project,
      repo.id,
      repo.defaultBranch!,
    );
    if (!head) throw new Error(`${repo.defaultBranch} has no commit`);
    if (
      previous &&
      previous.state !== 'pushed' &&
      previous.head_commit === head &&
      previous.fingerprint === config.fingerprint &&
      previous.source_key === sourceKey
    ) {
      return { outcome: 'unchanged', filesRead: 0 };
    }
    source.commit = head;
    // Renamed, moved or a new default branch: the entities move to the new key in place.
    const moving =
      previous && previous.source_key !== sourceKey
        ? previous.source_key
        : undefined;

    const files = await this.readCatalogFiles(client, repo, head);
    const { entities, problems } = files.length
      ? await entitiesOfFiles(source, files)
      : { entities: [], problems: [] };
    let state: RepositoryState = files.length ? 'catalog-file' : 'placeholder';
    if (hasErrors(problems)) {
      state = 'invalid';
      this.logger.warn(
        `discovery: ${sourceKey} has catalog files with problems; its entities were not changed: ${problems
          .filter(p => p.severity === 'error')
          .map(p => `${p.file}:${p.line}:${p.column} ${p.message}`)
          .join('; ')}`,
      );
    }
    let moved: MovedSource | undefined;
    let changes: EntityChanges | undefined;
    const locked = async () => {
      const { store } = this.options;
      const current = await store.getSource(sourceKey);
      if (current && current.pushed_by !== DISCOVERY_SUBJECT) return 'pushed';
      // A pipeline of another branch may have pushed since the run started.
      if (await this.discovery.isPushed(repositoryKey)) {
        await this.releaseLocked(sourceKey, head);
        return 'pushed';
      }
      const old = moving ? await store.getSource(moving) : undefined;
      if (moving && old?.pushed_by === DISCOVERY_SUBJECT) {
        moved = { row: old, entities: await store.getEntities(moving) };
      }
      return this.applyLocked({
        source,
        sourceKey,
        state,
        problems,
        entities,
        current,
        moved,
      }).then(r => {
        state = r.state;
        changes = r.changes;
        return 'read' as const;
      });
    };
    const outcome = await this.options.store.withSourceLock(sourceKey, () =>
      moving ? this.options.store.withSourceLock(moving, locked) : locked(),
    );
    // Not moved (a conflict, invalid files, pushed meanwhile): the old key's entities go.
    if (moving && !changes) await this.release(moving, head);
    if (outcome === 'pushed') {
      await this.discovery.save(row('pushed', null, []));
      return { outcome: 'pushed', filesRead: 0 };
    }
    // A conflict is looked at again next run (another source may let go).
    const final = state as RepositoryState;
    await this.discovery.save(
      row(final, final === 'conflict' ? null : head, problems),
    );
    return { outcome: 'read', filesRead: files.length, changes };
  }

  /** Decides and saves a read repository's entities, under its source's lock. */
  private async applyLocked(input: {
    source: PushSource;
    sourceKey: string;
    state: RepositoryState;
    problems: Problem[];
    entities: DesiredEntity[];
    current: SourceRow | undefined;
    moved: MovedSource | undefined;
  }): Promise<{ state: RepositoryState; changes?: EntityChanges }> {
    const { config } = this.options;
    const { source, sourceKey, problems, current, moved } = input;
    let { state } = input;
    let desired: DesiredEntity[] | undefined = input.entities;
    const currentRows = [
      ...(moved?.entities ?? []),
      ...(current ? await this.options.store.getEntities(sourceKey) : []),
    ];
    if (state === 'invalid') {
      // Keep the last good entities; a repository with none keeps (or gets) a placeholder that shows the problems.
      const real = currentRows.some(
        r => !r.entity.includes('"stagedoor.io/placeholder"'),
      );
      desired = real
        ? undefined
        : config.placeholder.enabled
          ? [placeholderEntity(source, config.placeholder, problems)]
          : [];
    } else if (desired!.length === 0 && config.placeholder.enabled) {
      desired = [placeholderEntity(source, config.placeholder)];
    }
    if (desired) {
      const conflicts = await this.conflictsOf(
        sourceKey,
        desired,
        moved?.row.source_key,
      );
      if (conflicts.length) {
        state = 'conflict';
        problems.push(...conflicts);
        this.logger.warn(
          `discovery: ${sourceKey} was not applied: ${conflicts.map(c => c.message).join('; ')}`,
        );
        desired = undefined;
      }
    }
    if (!desired) return { state };
    const changes = await saveDiscoveredSource(
      this.options.store,
      this.options.provider,
      source,
      sourceKey,
      desired,
      current,
      moved,
    );
    return { state, changes };
  }

  /** The catalog files at `head`: each configured path, globs through one listing. */
  private async readCatalogFiles(
    client: AzureDevOpsDiscoveryClient,
    repo: DiscoveredRepository,
    head: string,
  ): Promise<{ path: string; content: string }[]> {
    const { catalogPaths } = this.options.config;
    const plain = catalogPaths.filter(p => !isGlob(p));
    const globs = catalogPaths.filter(isGlob).map(pathGlobToRegExp);
    let paths = new Set(plain);
    if (globs.length || plain.length > 1) {
      // One listing, then only the files that exist: fewer requests than a read per path.
      const wanted = new Set(plain.map(p => p.toLowerCase()));
      paths = new Set(
        (await client.listFiles(repo.project, repo.id, head)).filter(
          p => wanted.has(p.toLowerCase()) || globs.some(re => re.test(p)),
        ),
      );
    }
    const files = await Promise.all(
      [...paths].map(async path => ({
        path: path.replace(/^\/+/, ''),
        content: await client.readFile(repo.project, repo.id, path, head),
      })),
    );
    return files.filter(
      (f): f is { path: string; content: string } => f.content !== undefined,
    );
  }

  /** Refs another source owns, or the catalog has from another location, as problems. */
  private async conflictsOf(
    sourceKey: string,
    desired: DesiredEntity[],
    movedFrom?: string,
  ): Promise<Problem[]> {
    const { store, catalog, auth } = this.options;
    const owned = await store.ownedRefs(sourceKey);
    // The repository's previous key (a rename): its entities move here.
    if (movedFrom)
      for (const ref of await store.ownedRefs(movedFrom)) owned.add(ref);
    const fresh = desired.filter(d => !owned.has(d.ref));
    const owners = await store.foreignOwners(
      sourceKey,
      fresh.map(d => d.ref),
    );
    const messages = [...owners].map(
      ([ref, owner]) => `${ref} is already owned by source ${owner}`,
    );
    if (!messages.length) {
      try {
        await checkCatalogOwnership(catalog, auth, sourceKey, fresh);
      } catch (e) {
        messages.push((e as Error).message);
      }
    }
    return messages.map(message => ({
      file: '',
      line: 1,
      column: 1,
      severity: 'error' as const,
      rule: 'discovery/conflict',
      message,
    }));
  }

  /**
   * Re-reads one repository, as a run would, for a service hook event: brings its
   * entities up to date when it is live and within the filters, removes them when it is
   * gone, disabled, emptied or filtered out. `organizationUrl` is any URL of the
   * repository (its `remoteUrl`), used to pick the configured organization; without one
   * the organization discovery stored for the repository, or the only one configured.
   */
  async refreshRepository(target: {
    repositoryId: string;
    project?: string;
    remoteUrl?: string;
  }): Promise<RefreshResult> {
    const { organizations } = this.options.config;
    const previous = await this.discovery.repository(target.repositoryId);
    const url = (target.remoteUrl ?? '').toLowerCase();
    const org =
      organizations.find(o => url.startsWith(`${o.url.toLowerCase()}/`)) ??
      organizations.find(
        o => o.url.toLowerCase() === previous?.organization_url.toLowerCase(),
      ) ??
      (organizations.length === 1 ? organizations[0] : undefined);
    const project = target.project ?? previous?.project;
    if (!org || !project) return { outcome: 'ignored' };
    const forget = async (reason: GoneReason): Promise<RefreshResult> =>
      previous ? this.gone(previous, reason) : { outcome: 'ignored' };
    if (!org.projects.some(re => re.test(project))) return forget('filtered');
    const client = await AzureDevOpsDiscoveryClient.connect({
      organizationUrl: org.url,
      credentialsProvider: this.options.credentialsProvider,
      logger: this.logger,
      maxConcurrency: this.options.config.maxConcurrency,
      maxRetries: this.options.config.maxRetries,
      maxRetryWaitMs: this.options.config.maxRetryWaitMs,
      requestTimeoutMs: this.options.config.requestTimeoutMs,
    });
    let repositories: DiscoveredRepository[];
    try {
      repositories = await client.listRepositories(project);
    } catch (e) {
      if ((e as AzureDevOpsRequestError).status === 404)
        return forget('deleted');
      throw e;
    }
    const r = repositories.find(
      x => x.id.toLowerCase() === target.repositoryId.toLowerCase(),
    );
    if (!r) return forget('deleted');
    if (!org.repositories.some(re => re.test(`${r.project}/${r.name}`)))
      return forget('filtered');
    if (r.isDisabled) return forget('disabled');
    if (!r.defaultBranch || r.size === 0 || (r.isFork && !org.includeForks))
      return forget('filtered');
    const pushed = await this.discovery.pushedRepositories(
      organizationName(org.url),
    );
    const { outcome, changes } = await this.discoverRepository(
      client,
      org,
      r,
      previous,
      pushed,
    );
    return {
      outcome,
      sourceKey: (await this.discovery.repository(r.id))?.source_key,
      changes,
    };
  }

  /**
   * A repository discovery knew is disabled, deleted, emptied or filtered out: its
   * entities are removed, or, when it was disabled or deleted and `onRepositoryGone` is
   * `mark`, kept with the label {@link LABEL_REPOSITORY_STATE} (once; a repository that
   * comes back is read as usual, which drops the label).
   */
  private async gone(
    row: DiscoveryRow,
    reason: GoneReason,
  ): Promise<RefreshResult> {
    const sourceKey = row.source_key;
    if (reason === 'filtered' || this.options.onRepositoryGone !== 'mark') {
      const changes = await this.release(
        sourceKey,
        row.head_commit ?? '0000000',
      );
      await this.discovery.forget(row.repository_id);
      return { outcome: 'removed', sourceKey, changes };
    }
    if (row.state === reason) return { outcome: 'marked', sourceKey };
    const { store, provider } = this.options;
    const changes = await store.withSourceLock(sourceKey, async () => {
      const current = await store.getSource(sourceKey);
      if (!current || current.pushed_by !== DISCOVERY_SUBJECT) return undefined;
      const desired = (await store.getEntities(sourceKey)).map(e => {
        const entity = JSON.parse(e.entity) as Entity;
        const marked: Entity = {
          ...entity,
          metadata: {
            ...entity.metadata,
            labels: {
              ...entity.metadata.labels,
              [LABEL_REPOSITORY_STATE]: reason,
            },
          },
        };
        return {
          ref: e.entity_ref,
          locationKey: e.location_key,
          entity: marked,
          contentHash: createHash('sha256')
            .update(JSON.stringify(marked))
            .digest('hex'),
        };
      });
      return saveDiscoveredSource(
        store,
        provider,
        sourceOfRow(current, current.commit),
        sourceKey,
        desired,
        current,
      );
    });
    // No head: the repository is read in full when it comes back.
    await this.discovery.save({
      ...row,
      state: reason,
      head_commit: null,
      checked_at: new Date(),
    });
    return { outcome: 'marked', sourceKey, changes };
  }

  /**
   * Lets a push of `sourceKey` take its repository over: removes what discovery stored
   * for the repository under other branches, so the push neither conflicts with nor
   * duplicates it. Under `sourceKey` itself the push simply replaces discovery's
   * entities (same source), so nothing disappears in between.
   */
  async yieldRepository(sourceKey: string, commit: string): Promise<void> {
    const repositoryKey = sourceKey.replace(/@[^@]*$/, '');
    for (const key of await this.discovery.discoveredSourcesOf(repositoryKey))
      if (key !== sourceKey) await this.release(key, commit);
  }

  /** Removes the entities of a discovery-written source (never of a pushed one). */
  private async release(
    sourceKey: string,
    commit: string,
  ): Promise<EntityChanges | undefined> {
    return this.options.store.withSourceLock(sourceKey, () =>
      this.releaseLocked(sourceKey, commit),
    );
  }

  private async releaseLocked(
    sourceKey: string,
    commit: string,
  ): Promise<EntityChanges | undefined> {
    const current = await this.options.store.getSource(sourceKey);
    if (!current || current.pushed_by !== DISCOVERY_SUBJECT) return undefined;
    return saveDiscoveredSource(
      this.options.store,
      this.options.provider,
      sourceOfRow(current, commit),
      sourceKey,
      [],
      current,
    );
  }
}

function sourceOfRow(row: SourceRow, commit: string): PushSource {
  return {
    organizationUrl: row.organization_url,
    project: row.project,
    repositoryName: row.repository_name,
    repositoryId: row.repository_id ?? undefined,
    branch: row.branch,
    commit,
  };
}
