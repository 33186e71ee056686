import { createApp } from '@backstage/frontend-defaults';
import {
  ApiBlueprint,
  createFrontendModule,
} from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import apiDocsPlugin from '@backstage/plugin-api-docs/alpha';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import catalogGraphPlugin from '@backstage/plugin-catalog-graph/alpha';
import orgPlugin from '@backstage/plugin-org/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import techdocsPlugin from '@backstage/plugin-techdocs/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import { searchApiRef } from '@backstage/plugin-search-react';
import azureCostPlugin from '@stagedoor/plugin-azure-cost';
import deliveryPlugin from '@stagedoor/plugin-delivery';

/**
 * The app's own extensions: the sign-in page (guest in development, Microsoft Entra ID
 * only in production) and a search API without a search backend.
 */
const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: () =>
          import('./signIn/SignInPage').then(m => m.StagedoorSignInPage),
      },
    }),
    // The baseline backend has no search backend, but the TechDocs reader's search box
    // needs a search API: this one answers every query with no results. Install
    // @backstage/plugin-search (and the search backend) for real search.
    ApiBlueprint.make({
      name: 'search',
      params: defineParams =>
        defineParams({
          api: searchApiRef,
          deps: {},
          factory: () => ({ query: async () => ({ results: [] }) }),
        }),
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
