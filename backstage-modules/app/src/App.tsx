import { createApp } from '@backstage/frontend-defaults';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import apiDocsPlugin from '@backstage/plugin-api-docs/alpha';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import catalogGraphPlugin from '@backstage/plugin-catalog-graph/alpha';
import orgPlugin from '@backstage/plugin-org/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import techdocsPlugin from '@backstage/plugin-techdocs/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import azureCostPlugin from '@stagedoor/plugin-azure-cost';
import deliveryPlugin from '@stagedoor/plugin-delivery';

/** The sign-in page: guest in development, Microsoft Entra ID only in production. */
const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: () =>
          import('./signIn/SignInPage').then(m => m.StagedoorSignInPage),
      },
    }),
  ],
});

export default createApp({
  features: [
    catalogPlugin,
    orgPlugin,
    catalogGraphPlugin,
    techdocsPlugin,
    scaffolderPlugin,
    apiDocsPlugin,
    userSettingsPlugin,
    deliveryPlugin,
    azureCostPlugin,
    signInModule,
  ],
});
