// What the entry loads once the inputs are read; bundled on its own as dist/core.js.
export { runValidate } from '../../shared/src/validate';
export { pullRequestFeedback } from '../../shared/src/validate/pullRequest';
