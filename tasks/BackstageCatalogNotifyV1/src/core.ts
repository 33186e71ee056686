// What the entry loads once the inputs are read; bundled on its own as dist/core.js.
export {
  normalizeNotifyOptions,
  renderSummary,
  runNotify,
  sourceFromVariables,
} from '../../shared/src/notify';
