export {
  catalogPatterns,
  DEFAULT_CATALOG_PATTERNS,
  defaultRootFor,
  discoverCatalogFiles,
  repositoryRootOf,
  skippedSkeletonsLine,
  type CatalogPatternOptions,
  type DiscoveredFile,
  type DiscoverOptions,
  type SkippedFile,
} from './discover';
export {
  runValidate,
  type FailOn,
  type ValidateRunOptions,
  type ValidateRunResult,
} from './run';
export {
  formatSarif,
  formatText,
  markdownSummary,
  summaryLine,
  toJsonProblems,
} from './format';
// ./references (the live lookup) is loaded by runValidate only when it is needed: its auth
// pulls in the Azure SDKs.
export {
  CatalogFileCheckers,
  measureSpareCores,
  threadsFor,
  PARALLEL_THRESHOLD,
  type CheckerOptions,
} from './parallel';
