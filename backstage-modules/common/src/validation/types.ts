import type { Entity } from '@backstage/catalog-model';
import type { Problem } from '../problems';

/** A catalog file as read from a repository or received in a push. */
export interface CatalogFile {
  /** Path relative to the repository root, forward slashes. */
  path: string;
  /** The file's bytes or text. Bytes are decoded as UTF-8; invalid UTF-8 is a problem. */
  content: string | Uint8Array;
}

/** An entity that passed validation, with where it came from. */
export interface ValidatedEntity {
  entity: Entity;
  /** `kind:namespace/name`, lower-cased, as the catalog writes refs. */
  ref: string;
  /** The file it came from. */
  file: string;
  /** 1-based position of the document's start. */
  line: number;
  column: number;
}

/** The verdict over a set of files. */
export interface ValidationResult {
  /** Entities without errors (they may carry warnings). */
  entities: ValidatedEntity[];
  problems: Problem[];
  /**
   * Entity refs that documents refer to (owner, system, dependsOn, …) and that resolve neither
   * among these files nor in `knownEntityRefs`: what a live-catalog lookup should ask about.
   */
  unresolvedRefs?: string[];
}

/** How a rule's problems are reported: as errors, as warnings, or not at all. */
export type RuleLevel = 'error' | 'warning' | 'off';

/**
 * Team rules from `.stagedoor.yaml` (or task inputs). Every list is optional;
 * an empty or missing list switches its rule off.
 */
export interface ValidationPolicy {
  /** Kinds allowed in this repository, e.g. `[Component, API]` (case-insensitive). */
  allowedKinds?: string[];
  /** Allowed `spec.lifecycle` values, e.g. `[experimental, production, deprecated]`. */
  allowedLifecycles?: string[];
  /** Tags every entity must carry. */
  requiredTags?: string[];
  /** Annotation keys every entity must carry, e.g. `backstage.io/techdocs-ref`. */
  requiredAnnotations?: string[];
  /** Level per extra rule id, e.g. `{ 'ref/unresolved': 'error' }`; wins over `strict`. */
  rules?: Record<string, RuleLevel>;
}

/** Options of {@link validateCatalogFiles}. All optional: without them only the catalog's own rules and the pure extra rules run. */
export interface ValidateOptions {
  /** Raise every extra rule (the ones a real catalog does not enforce) from warning to error. */
  strict?: boolean;
  /** Team rules: allowed kinds, lifecycles, required tags and annotations, rule levels. */
  policy?: ValidationPolicy;
  /**
   * Tells whether a repository path (forward slashes, relative to the root, no `..`) exists.
   * Pure from the engine's point of view: the caller decides how to answer (disk, a file list).
   * Without it the rules about referenced files (`techdocs/mkdocs-missing`,
   * `placeholder/file-missing`, `location/target-missing`) do not run.
   */
  fileExists?: (path: string) => boolean;
  /**
   * Refs (`kind:namespace/name`, lower-cased) known to exist outside these files, e.g. found in
   * the live catalog. References to them are not reported by `ref/unresolved`.
   */
  knownEntityRefs?: ReadonlySet<string>;
  /** Files larger than this many bytes are rejected without parsing. Default 5 MiB. */
  maxFileBytes?: number;
}
