export { runNotify } from './run';
export {
  normalizeNotifyOptions,
  DEFAULT_CATALOG_FILES,
  NOTIFY_DEFAULTS,
  type NotifyOptions,
  type SourceInfo,
} from './options';
export { exitCodeOf, type NotifyResult } from './result';
export { renderSummary, entityPageUrl } from './summary';
export { decideGate } from './gate';
export { locationEntityRef } from './refresh';
export { sourceFromVariables, buildRunUrl } from './source';
