import type { Problem } from '@stagedoor/common';
import type { PushStore } from '../database/PushStore';
import { SOURCES_TABLE, type SourceRow } from '../database/tables';

/** The `pushed_by` of sources discovery writes; anything else was pushed by a pipeline. */
export const DISCOVERY_SUBJECT = 'stagedoor:discovery';

export const DISCOVERY_TABLE = 'stagedoor_discovery_repositories';

/** What discovery made of a repository at its last read. */
export type RepositoryState =
  | 'placeholder'
  | 'catalog-file'
  | 'invalid'
  | 'conflict'
  | 'pushed'
  /** Disabled or deleted, its entities kept and labelled (`onRepositoryGone: mark`). */
  | 'disabled'
  | 'deleted';

/** Row of `stagedoor_discovery_repositories`. */
export interface DiscoveryRow {
  repository_id: string;
  organization_url: string;
  project: string;
  repository_name: string;
  source_key: string;
  head_commit: string | null;
  fingerprint: string;
  state: RepositoryState;
  /** JSON array of {@link Problem}. */
  problems: string;
  checked_at: Date | string;
}

/**
 * Discovery's own table, plus the two questions it asks of the push tables. Writes
 * to the push tables go through {@link PushStore} under its per-source lock.
 */
export class DiscoveryStore {
  constructor(private readonly push: PushStore) {}

  private get knex() {
    return this.push.knex;
  }

  /** Every repository of the organization discovery remembers, by id. */
  async repositories(
    organizationUrl: string,
  ): Promise<Map<string, DiscoveryRow>> {
    const rows = await this.knex<DiscoveryRow>(DISCOVERY_TABLE).where({
      organization_url: organizationUrl,
    });
    return new Map(rows.map(r => [r.repository_id, r]));
  }

  async repository(repositoryId: string): Promise<DiscoveryRow | undefined> {
    const row = await this.knex<DiscoveryRow>(DISCOVERY_TABLE)
      .where({ repository_id: repositoryId })
      .first();
    return row ?? undefined;
  }

  async save(row: DiscoveryRow): Promise<void> {
    await this.knex(DISCOVERY_TABLE)
      .insert(row)
      .onConflict('repository_id')
      .merge();
  }

  async forget(repositoryId: string): Promise<void> {
    await this.knex(DISCOVERY_TABLE)
      .where({ repository_id: repositoryId })
      .delete();
  }

  /**
   * `org/project/repo` (lower-cased) of every repository of the organization some
   * pipeline has pushed, on any branch: those belong to their push source.
   */
  async pushedRepositories(organization: string): Promise<Set<string>> {
    const rows = await this.knex<SourceRow>(SOURCES_TABLE)
      .whereRaw("source_key like ? escape '\\'", [
        `${organization.toLowerCase().replace(/[\\%_]/g, c => `\\${c}`)}/%`,
      ])
      .whereNot({ pushed_by: DISCOVERY_SUBJECT })
      .select('source_key');
    return new Set(rows.map(r => r.source_key.replace(/@[^@]*$/, '')));
  }

  /** Whether a pipeline pushed `org/project/repo` (lower-cased), on any branch. */
  async isPushed(repositoryKey: string): Promise<boolean> {
    const row = await this.knex<SourceRow>(SOURCES_TABLE)
      .whereRaw("source_key like ? escape '\\'", [
        `${repositoryKey.toLowerCase().replace(/[\\%_]/g, c => `\\${c}`)}@%`,
      ])
      .whereNot({ pushed_by: DISCOVERY_SUBJECT })
      .first('source_key');
    return row !== undefined;
  }

  /** Discovery-written sources of the repository `org/project/repo`, on any branch. */
  async discoveredSourcesOf(repositoryKey: string): Promise<string[]> {
    const rows = await this.knex<SourceRow>(SOURCES_TABLE)
      .whereRaw("source_key like ? escape '\\'", [
        `${repositoryKey.toLowerCase().replace(/[\\%_]/g, c => `\\${c}`)}@%`,
      ])
      .where({ pushed_by: DISCOVERY_SUBJECT })
      .select('source_key');
    return rows.map(r => r.source_key);
  }
}

/** Problems as stored. */
export function problemsOf(row: DiscoveryRow | undefined): Problem[] {
  return row ? (JSON.parse(row.problems) as Problem[]) : [];
}
