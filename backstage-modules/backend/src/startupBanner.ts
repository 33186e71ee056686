import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';

/**
 * Prints, once the backend is up, where it listens and how to call it with the
 * development token. Silent when no static external-access token is configured.
 */
export default createBackendModule({
  pluginId: 'catalog',
  moduleId: 'stagedoor-startup-banner',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        lifecycle: coreServices.rootLifecycle,
        logger: coreServices.rootLogger,
      },
      async init({ config, lifecycle, logger }) {
        const baseUrl = config.getString('backend.baseUrl');
        const staticAccess = (
          config.getOptionalConfigArray('backend.auth.externalAccess') ?? []
        ).find(entry => entry.getString('type') === 'static');
        lifecycle.addStartupHook(() => {
          logger.info(`Stagedoor backend listening on ${baseUrl}`);
          if (
            staticAccess &&
            config.getOptionalBoolean('stagedoor.printDevToken')
          ) {
            // Printed to stdout, not the logger: the logger redacts secret config values,
            // and this token exists only in the development config.
            const token = staticAccess.getString('options.token');
            process.stdout.write(
              `Try: curl -H "Authorization: Bearer ${token}" ${baseUrl}/api/catalog/entities` +
                `\n  or: npx stagedoor push --url ${baseUrl} --token ${token} …\n`,
            );
          }
        });
      },
    });
  },
});
