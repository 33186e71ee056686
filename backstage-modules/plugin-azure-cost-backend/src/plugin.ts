import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { readAzureCostConfig } from './config';
import { CostManagementClient } from './azure/CostManagementClient';
import { SampleCostSource } from './service/SampleCostSource';
import { AzureCostService } from './service/AzureCostService';
import { createRouter } from './router/createRouter';

/**
 * The Azure cost backend plugin: `GET /api/azure-cost/cost?entityRef=…`.
 *
 * @public
 */
export const azureCostPlugin = createBackendPlugin({
  pluginId: 'azure-cost',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        cache: coreServices.cache,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        catalog: catalogServiceRef,
      },
      async init({
        config,
        logger,
        cache,
        httpRouter,
        httpAuth,
        permissions,
        catalog,
      }) {
        const settings = readAzureCostConfig(config);
        const source =
          settings.source === 'sample'
            ? new SampleCostSource(settings.sample.currency)
            : CostManagementClient.fromConfig(settings.azure, { logger });
        if (source.kind === 'sample') {
          logger.warn(
            'stagedoor.azureCost.source is sample: cost figures are generated, not Azure’s',
          );
        }
        const service = new AzureCostService({
          config: settings,
          source,
          cache,
          catalog,
          permissions,
          logger,
        });
        httpRouter.use(createRouter({ service, httpAuth, config, logger }));
      },
    });
  },
});
