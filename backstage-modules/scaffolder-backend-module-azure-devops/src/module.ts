import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { ScmIntegrations } from '@backstage/integration';
import {
  createPipelineAddTasksAction,
  createPipelineCreateAction,
  createPipelinePermitAction,
  createPipelineRunAction,
  createPullRequestCreateAction,
  createRepositoryCloneAction,
  createRepositoryPushAction,
  createServiceConnectionCreateAction,
  createVariableGroupCreateAction,
} from './actions';
import { readScaffolderAzureDevOpsConfig } from './config';
import { ActionMetrics } from './lib/metrics';

/**
 * The ids `@backstage-community/plugin-scaffolder-backend-module-azure-devops`
 * also registers; left to it when `stagedoor.scaffolder.registerCommunityActionIds` is false.
 */
export const COMMUNITY_ACTION_IDS: string[] = [
  'azure:pipeline:create',
  'azure:pipeline:run',
  'azure:pipeline:permit',
  'azure:pr:create',
  'azure:repository:clone',
  'azure:repository:push',
];

/**
 * The Stagedoor Azure DevOps actions for the scaffolder plugin.
 *
 * @public
 */
export const scaffolderModuleStagedoorAzureDevOps = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'stagedoor-azure-devops',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        auditor: coreServices.auditor,
        scaffolder: scaffolderActionsExtensionPoint,
      },
      async init({ config, auditor, scaffolder }) {
        const options = {
          integrations: ScmIntegrations.fromConfig(config),
          ...readScaffolderAzureDevOpsConfig(config),
          auditor,
        };
        const actions = [
          createPipelineCreateAction(options),
          createPipelineRunAction(options),
          createPipelinePermitAction(options),
          createPullRequestCreateAction(options),
          createRepositoryCloneAction(options),
          createRepositoryPushAction(options),
          createServiceConnectionCreateAction(options),
          createVariableGroupCreateAction(options),
          createPipelineAddTasksAction(),
        ];
        const metrics = new ActionMetrics();
        scaffolder.addActions(
          ...actions
            .filter(
              a =>
                options.registerCommunityActionIds ||
                !COMMUNITY_ACTION_IDS.includes(a.id),
            )
            .map(a => metrics.instrument(a)),
        );
      },
    });
  },
});
