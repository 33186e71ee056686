/**
 * The TechDocs publish task's defaults, stated once: the core fills them in, the task's
 * entry leaves unset inputs undefined, the CLI help quotes them, and a test checks that
 * `task.json` declares the same `defaultValue`s. No imports: the entry bundles it.
 */
export const TECHDOCS_DEFAULTS = {
  generate: true,
  omitTechdocsCorePlugin: false,
  copyReadmeToIndex: false,
  installMkdocs: false,
  /** The pinned mkdocs-techdocs-core that installMkdocs installs. */
  techdocsCoreVersion: '1.5.3',
  legacyCaseSensitive: false,
  /** Uploads in flight. */
  concurrency: 16,
  dryRun: false,
} as const;
