import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import type { Entity } from '@backstage/catalog-model';
import { hasAzureCost } from '@stagedoor/plugin-azure-cost-common';
import { AzureCostClient, azureCostApiRef } from './api';

const isGroup = (entity: Entity) => entity.kind.toLowerCase() === 'group';
const isCosted = (entity: Entity) => !isGroup(entity) && hasAzureCost(entity);

const azureCostApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: azureCostApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new AzureCostClient(deps),
    }),
});

/** "Azure Costs (Last 30 Days)" on entities with the azure.com/resource-group annotation. */
const azureCostCard = EntityCardBlueprint.make({
  params: {
    filter: isCosted,
    loader: () =>
      import('./components/AzureCostCard').then(m => <m.AzureCostCard />),
  },
});

/** The same for a Group: the sum over the components it owns. */
const azureCostGroupCard = EntityCardBlueprint.make({
  name: 'group',
  params: {
    filter: isGroup,
    loader: () =>
      import('./components/AzureCostCard').then(m => <m.AzureCostCard />),
  },
});

const azureCostContent = EntityContentBlueprint.make({
  params: {
    path: 'azure-cost',
    title: 'Azure Costs',
    filter: (entity: Entity) => isCosted(entity) || isGroup(entity),
    loader: () =>
      import('./components/AzureCostContent').then(m => <m.AzureCostContent />),
  },
});

/** The Azure cost plugin: an entity card, a Group card and an entity tab. */
export const azureCostPlugin = createFrontendPlugin({
  pluginId: 'azure-cost',
  extensions: [
    azureCostApi,
    azureCostCard,
    azureCostGroupCard,
    azureCostContent,
  ],
});
