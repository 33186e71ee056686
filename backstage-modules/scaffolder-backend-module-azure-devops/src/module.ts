import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { ScmIntegrations } from '@backstage/integration';
import {
  createPipelineCreateAction,
  createPipelinePermitAction,
  createPipelineRunAction,
  createServiceConnectionCreateAction,
  createVariableGroupCreateAction,
} from './actions';
import { readScaffolderAzureDevOpsConfig } from './config';

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
        scaffolder: scaffolderActionsExtensionPoint,
      },
      async init({ config, scaffolder }) {
        const options = {
          integrations: ScmIntegrations.fromConfig(config),
          ...readScaffolderAzureDevOpsConfig(config),
        };
        scaffolder.addActions(
          createPipelineCreateAction(options),
          createPipelineRunAction(options),
          createPipelinePermitAction(options),
          createServiceConnectionCreateAction(options),
          createVariableGroupCreateAction(options),
        );
      },
    });
  },
});
