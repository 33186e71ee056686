import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  DefaultAzureDevOpsCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { durationToMilliseconds } from '@backstage/types';
import { readPushConfig } from './config';
import { PushStore } from './database/PushStore';
import { readDiscoveryConfig } from './discovery/config';
import { DiscoveryService } from './discovery/DiscoveryService';
import { readHooksConfig } from './hooks/config';
import { createHooksRouter, HOOKS_PATH } from './hooks/createHooksRouter';
import { HookReceiver } from './hooks/HookReceiver';
import { StagedoorPushEntityProvider } from './providers/StagedoorPushEntityProvider';
import { createRouter } from './router/createRouter';
import {
  CATALOG_ERRORS_TOPIC,
  ProcessingErrorRecorder,
} from './service/processingErrors';
import { PushMetrics } from './service/metrics';
import { PushService } from './service/PushService';
import { SourceStatusService } from './service/SourceStatusService';

/**
 * The Stagedoor push module for the catalog plugin: `POST /api/catalog/stagedoor/v1/push`
 * and `GET /api/catalog/stagedoor/v1/sources/:sourceKey`.
 *
 * @public
 */
export const catalogModuleStagedoorPush = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'stagedoor-push',
  register(env) {
    env.registerInit({
      deps: {
        rootConfig: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
        processing: catalogProcessingExtensionPoint,
        events: eventsServiceRef,
      },
      async init(deps) {
        const config = readPushConfig(deps.rootConfig);
        const metrics = new PushMetrics();
        const logger = deps.logger.child({ module: 'stagedoor-push' });
        const store = await PushStore.create(deps.database);
        const provider = StagedoorPushEntityProvider.create({ logger });
        deps.processing.addEntityProvider(provider);
        const discoveryConfig = readDiscoveryConfig(deps.rootConfig);
        const hooksConfig = readHooksConfig(deps.rootConfig);
        const discovery =
          discoveryConfig &&
          new DiscoveryService({
            config: discoveryConfig,
            store,
            provider,
            catalog: deps.catalog,
            auth: deps.auth,
            credentialsProvider:
              DefaultAzureDevOpsCredentialsProvider.fromIntegrations(
                ScmIntegrations.fromConfig(deps.rootConfig),
              ),
            logger,
            onRepositoryGone: hooksConfig?.onRepositoryGone,
          });
        const pushService = new PushService({
          config,
          store,
          provider,
          catalog: deps.catalog,
          auth: deps.auth,
          logger,
          discovery,
          metrics,
        });
        const statusService = new SourceStatusService(
          store,
          deps.catalog,
          deps.auth,
        );
        const recorder = new ProcessingErrorRecorder(store, logger, metrics);
        await deps.events.subscribe({
          id: 'stagedoor-push-processing-errors',
          topics: [CATALOG_ERRORS_TOPIC],
          onEvent: event => recorder.record(event.eventPayload),
        });
        deps.httpRouter.use(
          createRouter({
            config,
            rootConfig: deps.rootConfig,
            logger,
            httpAuth: deps.httpAuth,
            auditor: deps.auditor,
            pushService,
            statusService,
            metrics,
          }),
        );
        if (hooksConfig) {
          if (!discovery) {
            throw new Error(
              'stagedoor.hooks is configured but stagedoor.discovery is not: the service hook receiver re-reads repositories through discovery. Configure stagedoor.discovery (a manual schedule is enough) or remove stagedoor.hooks',
            );
          }
          const receiver = new HookReceiver({
            store,
            discovery,
            logger,
            auditor: deps.auditor,
            metrics,
          });
          deps.httpRouter.use(
            createHooksRouter({
              config: hooksConfig,
              rootConfig: deps.rootConfig,
              logger,
              receiver,
              metrics,
            }),
          );
          // Authenticated by the subscription's credentials instead (createHooksRouter).
          deps.httpRouter.addAuthPolicy({
            path: HOOKS_PATH,
            allow: 'unauthenticated',
          });
          // Event ids older than the retention are forgotten (global: one replica per run).
          const retentionMs = durationToMilliseconds(
            hooksConfig.deliveryRetention,
          );
          await deps.scheduler.scheduleTask({
            id: 'stagedoor-hook-deliveries-prune',
            frequency: hooksConfig.pruneFrequency,
            timeout: { minutes: 5 },
            initialDelay: { seconds: 10 },
            fn: async () => {
              const pruned = await receiver.prune(
                new Date(Date.now() - retentionMs),
              );
              if (pruned > 0)
                logger.info(
                  `service hooks: forgot ${pruned} event ids older than the retention`,
                  { event: 'stagedoor.hooks.pruned', pruned },
                );
            },
          });
        }
        await deps.scheduler.scheduleTask({
          id: 'stagedoor-push-reconcile',
          frequency: config.reconcileFrequency,
          timeout: { minutes: 10 },
          // Soon after start, so a restart converges what a crash left unapplied.
          initialDelay: { seconds: 3 },
          fn: async () => {
            metrics.reconciledSources(await pushService.reconcile());
          },
        });
        if (discovery) {
          // Global scope (the default): one replica runs each scheduled discovery.
          await deps.scheduler.scheduleTask({
            id: 'stagedoor-discovery',
            ...discoveryConfig.schedule,
            fn: async () => {
              metrics.discoveryRun(await discovery.run());
            },
          });
        }
      },
    });
  },
});
