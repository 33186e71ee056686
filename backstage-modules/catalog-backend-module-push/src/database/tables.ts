/** Row of `stagedoor_push_sources`. */
export interface SourceRow {
  source_key: string;
  organization_url: string;
  project: string;
  repository_name: string;
  repository_id: string | null;
  branch: string;
  commit: string;
  build_id: number | string | null;
  build_url: string | null;
  commit_time: string | null;
  content_hash: string;
  pushed_by: string;
  pushed_at: Date | string;
  generation: number;
  applied_generation: number;
  /** JSON array of entity refs. */
  pending_removals: string;
}

/** Row of `stagedoor_push_entities`. */
export interface EntityRow {
  entity_ref: string;
  source_key: string;
  location_key: string;
  /** JSON of the entity. */
  entity: string;
  content_hash: string;
  commit: string;
}

/** Row of `stagedoor_push_processing_errors`. */
export interface ProcessingErrorRow {
  entity_ref: string;
  source_key: string;
  /** `commit` of the entity row the errors belong to. */
  commit: string;
  /** `content_hash` of the entity row the errors belong to. */
  content_hash: string;
  /** JSON array of `{ name, message }`. */
  errors: string;
  received_at: Date | string;
}

export const SOURCES_TABLE = 'stagedoor_push_sources';
export const ENTITIES_TABLE = 'stagedoor_push_entities';
export const PROCESSING_ERRORS_TABLE = 'stagedoor_push_processing_errors';
export const MIGRATIONS_TABLE = 'stagedoor_push__knex_migrations';
