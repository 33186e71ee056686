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
}
