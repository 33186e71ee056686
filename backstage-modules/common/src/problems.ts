/**
 * A problem found in a catalog file, with the position of the offending node.
 * `line` and `column` are 1-based; a problem about a whole file points at 1:1.
 *
 * @public
 */
export interface Problem {
  /** Path of the file, relative to the repository root, with forward slashes. */
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  /** Stable rule id, e.g. `yaml/duplicate-key`, `entity/invalid-ref`. */
  rule: string;
  /** What is wrong and how to fix it, in one sentence or two. */
  message: string;
  /** The entity the problem belongs to, when the document got far enough to name one. */
  entityRef?: string;
}

/** @public */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some(p => p.severity === 'error');
}
