import { createBackendModule } from '@backstage/backend-plugin-api';

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
      deps: {},
      async init() {},
    });
  },
});
