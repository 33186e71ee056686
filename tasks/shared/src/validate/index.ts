export {
  DEFAULT_CATALOG_PATTERNS,
  discoverCatalogFiles,
  type DiscoveredFile,
  type DiscoverOptions,
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
export { findExistingRefs } from './references';
