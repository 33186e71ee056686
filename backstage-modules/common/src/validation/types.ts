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
  /**
   * Allowed `spec.type` values per kind (case-insensitive), e.g.
   * `{ Component: [service, website, library] }` (rule `policy/type`, an error).
   */
  allowedTypes?: Record<string, string[]>;
  /**
   * Extra JSON Schemas (draft-07) an entity of `kind` (and, when given, `spec.type`) must also
   * satisfy, e.g. services need `metadata.annotations['azure.com/resource-group']`
   * (rule `policy/schema`, an error).
   */
  schemas?: PolicySchema[];
  /**
   * Kinds the organisation's catalog adds with its own processor, valid in this policy's eyes
   * when they satisfy their schema (rule `policy/kind-schema`, an error).
   */
  customKinds?: CustomKind[];
  /**
   * `spec.owner` must be a Group (rule `policy/owner`, an error); where the live catalog is
   * consulted (`knownEntityRefs`), it must also exist there or in these files.
   */
  ownerMustBeGroup?: boolean;
  /** Level per extra rule id, e.g. `{ 'ref/unresolved': 'error' }`; wins over `strict`. */
  rules?: Record<string, RuleLevel>;
}

/** One extra JSON Schema of a {@link ValidationPolicy}. */
export interface PolicySchema {
  /** The kind it applies to (case-insensitive); every kind when missing. */
  kind?: string;
  /** The `spec.type` it applies to (case-insensitive); every type when missing. */
  type?: string;
  /** Said in every problem it finds, e.g. `the cost plugin needs the resource group`. */
  description?: string;
  /** A JSON Schema (draft-07) over the whole entity. */
  schema: Record<string, unknown>;
}

/** A kind of the organisation's own, see {@link ValidationPolicy.customKinds}. */
export interface CustomKind {
  kind: string;
  /** Its apiVersion; any when missing. */
  apiVersion?: string;
  /** A JSON Schema (draft-07) over the whole entity; any shape when missing. */
  schema?: Record<string, unknown>;
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
  /**
   * Reads a repository file (same paths as `fileExists`) for `$text`, `$json` and `$yaml`
   * placeholders, so the policy checks the values they stand for. Unreadable placeholders are
   * never reported as wrong values.
   */
  readFile?: (path: string) => string | undefined;
  /** Files larger than this many bytes are rejected without parsing. Default 5 MiB. */
  maxFileBytes?: number;
}

/** Answer of `GET /api/catalog/stagedoor/v1/policy`: the organisation's policy, if any. */
export interface PolicyResponse {
  policy: ValidationPolicy | null;
}
