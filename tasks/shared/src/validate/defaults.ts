/** Where catalog files are looked for when no pattern is given: `catalog-info.yaml`/`.yml` anywhere. */
export const DEFAULT_CATALOG_PATTERNS = [
  '**/catalog-info.yaml',
  '**/catalog-info.yml',
];

/**
 * The validate task's defaults, stated once: the core fills them in, the task's entry
 * leaves unset inputs undefined, and a test checks that `task.json` declares the same
 * `defaultValue`s. No imports: the entry bundles it.
 */
export const VALIDATE_DEFAULTS = {
  patterns: DEFAULT_CATALOG_PATTERNS,
  followLocations: true,
  includeTemplateSkeletons: false,
  failOn: 'error',
  strict: false,
  checkReferences: false,
  /** Post the result to the pull request (entry only: it needs the job's token). */
  pullRequestFeedback: true,
} as const;
