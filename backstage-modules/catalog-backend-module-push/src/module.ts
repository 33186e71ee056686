import { createBackendModule } from '@backstage/backend-plugin-api';

/**
 * The Stagedoor push module for the catalog plugin.
 *
 * @public
 */
export const catalogModuleStagedoorPush = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'stagedoor-push',
  register(env) {
    env.registerInit({
      deps: {},
      async init() {},
    });
  },
});
