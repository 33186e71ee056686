import { createHash } from 'node:crypto';
import {
  type DatabaseService,
  isDatabaseConflictError,
} from '@backstage/backend-plugin-api';
import { migrateToLatest } from './migrate';
import {
  ENTITIES_TABLE,
  type EntityRow,
  PROCESSING_ERRORS_TABLE,
  type ProcessingErrorRow,
  SOURCES_TABLE,
  type SourceRow,
} from './tables';

/**
 * The knex instance the framework hands out. Typed through backend-plugin-api so this
 * package's own `knex` copy (used for nothing but migrations at runtime) cannot disagree.
 */
type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

/** Namespace of Stagedoor's PostgreSQL advisory locks (first half of the two-int key). */
const ADVISORY_LOCK_NAMESPACE = 0x57a9e;

/** The owner of a pushed entity and how far its source got, read in one statement. */
export interface OwnedEntity {
  source_key: string;
  commit: string;
  content_hash: string;
  generation: number;
  applied_generation: number;
}

/**
 * SQL over the module's tables, plus the per-source lock that serialises pushes
 * across replicas. Shares the catalog plugin's database; never touches its tables.
 */
export class PushStore {
  private readonly queues = new Map<string, Promise<unknown>>();

  static async create(database: DatabaseService): Promise<PushStore> {
    const knex = await database.getClient();
    if (!database.migrations?.skip) await migrateToLatest(knex);
    return new PushStore(knex);
  }

  private constructor(readonly knex: Knex) {}

  private get isPostgres(): boolean {
    return this.knex.client.config.client === 'pg';
  }

  /**
   * Runs `fn` while holding the lock of `sourceKey`: in-process first (one queue per
   * source), then, on PostgreSQL, a transaction-scoped advisory lock so replicas wait
   * for each other too. The lock transaction writes nothing; `fn` commits its own
   * state so a crash mid-way leaves stored state for the reconcile to apply.
   */
  async withSourceLock<T>(sourceKey: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(sourceKey) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.withDbLock(sourceKey, fn));
    this.queues.set(sourceKey, run);
    try {
      return await run;
    } finally {
      if (this.queues.get(sourceKey) === run) this.queues.delete(sourceKey);
    }
  }

  private async withDbLock<T>(
    sourceKey: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (!this.isPostgres) return fn();
    const key = createHash('sha256').update(sourceKey).digest().readInt32BE(0);
    return this.knex.transaction(async trx => {
      await trx.raw('select pg_advisory_xact_lock(?, ?)', [
        ADVISORY_LOCK_NAMESPACE,
        key,
      ]);
      return fn();
    });
  }

  transaction<T>(fn: (trx: Knex) => Promise<T>): Promise<T> {
    return this.knex.transaction(trx => fn(trx));
  }

  async getSource(
    sourceKey: string,
    db: Knex = this.knex,
  ): Promise<SourceRow | undefined> {
    const row = await db<SourceRow>(SOURCES_TABLE)
      .where({ source_key: sourceKey })
      .first();
    return row ?? undefined;
  }

  async getEntities(
    sourceKey: string,
    db: Knex = this.knex,
  ): Promise<EntityRow[]> {
    return db<EntityRow>(ENTITIES_TABLE)
      .where({ source_key: sourceKey })
      .orderBy('entity_ref');
  }

  /** Sources, newest push first; read-only (the Delivery page's listing). */
  async listSources(options: {
    project?: string;
    limit: number;
  }): Promise<SourceRow[]> {
    const query = this.knex<SourceRow>(SOURCES_TABLE)
      .orderBy('pushed_at', 'desc')
      .orderBy('source_key')
      .limit(options.limit);
    if (options.project) {
      query.whereRaw('lower(project) = ?', [options.project.toLowerCase()]);
    }
    return query;
  }

  /** The refs `sourceKey` owns. */
  async ownedRefs(sourceKey: string): Promise<Set<string>> {
    const rows = await this.knex<EntityRow>(ENTITIES_TABLE)
      .where({ source_key: sourceKey })
      .select('entity_ref');
    return new Set(rows.map(r => r.entity_ref));
  }

  /** The owning source of each ref that some other source than `sourceKey` owns. */
  async foreignOwners(
    sourceKey: string,
    refs: string[],
    db: Knex = this.knex,
  ): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (let i = 0; i < refs.length; i += 500) {
      const rows = await db<EntityRow>(ENTITIES_TABLE)
        .whereIn('entity_ref', refs.slice(i, i + 500))
        .whereNot({ source_key: sourceKey })
        .select('entity_ref', 'source_key');
      for (const r of rows) owners.set(r.entity_ref, r.source_key);
    }
    return owners;
  }

  /**
   * Replaces what the source owns, in a transaction of its own. False, with nothing
   * saved, when another source claimed one of `entities` at the same moment (the
   * unique key on the entity ref refused the insert).
   */
  async saveSource(source: SourceRow, entities: EntityRow[]): Promise<boolean> {
    try {
      await this.transaction(trx => this.saveState(trx, source, entities));
      return true;
    } catch (error) {
      if (isDatabaseConflictError(error)) return false;
      throw error;
    }
  }

  /** Replaces what the source owns, in the caller's transaction. */
  async saveState(
    trx: Knex,
    source: SourceRow,
    entities: EntityRow[],
  ): Promise<void> {
    await trx(SOURCES_TABLE).insert(source).onConflict('source_key').merge();
    await trx(ENTITIES_TABLE).where({ source_key: source.source_key }).delete();
    for (let i = 0; i < entities.length; i += 100) {
      await trx(ENTITIES_TABLE).insert(entities.slice(i, i + 100));
    }
    // Errors of entities the push dropped or changed belong to content the catalog no
    // longer gets; errors of unchanged entities stay current.
    await trx(PROCESSING_ERRORS_TABLE)
      .where({ source_key: source.source_key })
      .whereNotExists(q =>
        q
          .select(trx.raw('1'))
          .from(ENTITIES_TABLE)
          .whereRaw('??.?? = ??.??', [
            ENTITIES_TABLE,
            'entity_ref',
            PROCESSING_ERRORS_TABLE,
            'entity_ref',
          ])
          .whereRaw('??.?? = ??.??', [
            ENTITIES_TABLE,
            'source_key',
            PROCESSING_ERRORS_TABLE,
            'source_key',
          ])
          .whereRaw('??.?? = ??.??', [
            ENTITIES_TABLE,
            'commit',
            PROCESSING_ERRORS_TABLE,
            'commit',
          ])
          .whereRaw('??.?? = ??.??', [
            ENTITIES_TABLE,
            'content_hash',
            PROCESSING_ERRORS_TABLE,
            'content_hash',
          ]),
      )
      .delete();
  }

  /** The owning source of `entityRef` with the entity's version, if a source owns it. */
  async ownedEntity(entityRef: string): Promise<OwnedEntity | undefined> {
    const row = await this.knex(`${ENTITIES_TABLE} as e`)
      .join(`${SOURCES_TABLE} as s`, 's.source_key', 'e.source_key')
      .where('e.entity_ref', entityRef)
      .first<
        OwnedEntity | undefined
      >('e.source_key', 'e.commit', 'e.content_hash', 's.generation', 's.applied_generation');
    return row ?? undefined;
  }

  /** Replaces the recorded processing errors of one entity. */
  async saveProcessingErrors(row: ProcessingErrorRow): Promise<void> {
    await this.knex(PROCESSING_ERRORS_TABLE)
      .insert(row)
      .onConflict('entity_ref')
      .merge();
  }

  /** The recorded processing errors of the entities `sourceKey` owns. */
  async getProcessingErrors(sourceKey: string): Promise<ProcessingErrorRow[]> {
    return this.knex<ProcessingErrorRow>(PROCESSING_ERRORS_TABLE).where({
      source_key: sourceKey,
    });
  }

  /** Records that `generation` reached the catalog (unless a newer push got stored meanwhile). */
  async markApplied(sourceKey: string, generation: number): Promise<void> {
    await this.knex<SourceRow>(SOURCES_TABLE)
      .where({ source_key: sourceKey, generation })
      .update({ applied_generation: generation, pending_removals: '[]' });
  }

  /** Sources whose last stored push has not reached the catalog (a crash, or a failed apply). */
  async listUnapplied(): Promise<string[]> {
    const rows = await this.knex<SourceRow>(SOURCES_TABLE)
      .whereRaw('applied_generation < generation')
      .select('source_key');
    return rows.map(r => r.source_key);
  }
}
