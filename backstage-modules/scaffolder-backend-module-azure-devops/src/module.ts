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

/** The module id of the community module in the scaffolder plugin. */
const COMMUNITY_MODULE_ID = 'azure-devops';

const COMMUNITY_CONFLICT = `Both @stagedoor/plugin-scaffolder-backend-module-azure-devops and the scaffolder module '${COMMUNITY_MODULE_ID}' (@backstage-community/plugin-scaffolder-backend-module-azure-devops) are installed, and both register ${COMMUNITY_ACTION_IDS.join(', ')}. Remove one of the two backend.add(...) lines (Stagedoor's actions accept the community inputs), or set stagedoor.scaffolder.registerCommunityActionIds: false to leave these ids to the community module.`;

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
        instanceMetadata: coreServices.rootInstanceMetadata,
        scaffolder: scaffolderActionsExtensionPoint,
      },
      async init({ config, auditor, instanceMetadata, scaffolder }) {
        const options = {
          integrations: ScmIntegrations.fromConfig(config),
          ...readScaffolderAzureDevOpsConfig(config),
          auditor,
        };
        if (options.registerCommunityActionIds) {
          const plugins = await instanceMetadata.getInstalledPlugins();
          const community = plugins
            .find(p => p.pluginId === 'scaffolder')
            ?.modules.some(m => m.moduleId === COMMUNITY_MODULE_ID);
          if (community) throw new Error(COMMUNITY_CONFLICT);
        }
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
