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
        auditor: coreServices.auditor,
        scaffolder: scaffolderActionsExtensionPoint,
      },
      async init({ config, auditor, scaffolder }) {
        const options = {
          integrations: ScmIntegrations.fromConfig(config),
          ...readScaffolderAzureDevOpsConfig(config),
          auditor,
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
