export type { AzureDevOpsActionOptions } from './common';
export { createPipelineCreateAction } from './createPipeline';
export { createPipelineRunAction } from './runPipeline';
export { createPipelinePermitAction } from './permitPipeline';
export { createServiceConnectionCreateAction } from './createServiceConnection';
export { createVariableGroupCreateAction } from './createVariableGroup';
export { createPullRequestCreateAction } from './createPullRequest';
export { createRepositoryCloneAction } from './cloneRepository';
export { createRepositoryPushAction } from './pushRepository';
export {
  addStagedoorTasks,
  createPipelineAddTasksAction,
  newPipelineFile,
  type StagedoorTaskSettings,
} from './addPipelineTasks';
