import {
  ApiBlueprint,
  createFrontendPlugin,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import LocalShippingIcon from '@material-ui/icons/LocalShipping';
import { isPushedEntity } from './annotations';
import { DeliveryClient, deliveryApiRef } from './api';
import { onboardingTemplateRouteRef } from './routes';

const rootRouteRef = createRouteRef();

const deliveryApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: deliveryApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new DeliveryClient(deps),
    }),
});

const deliveryCard = EntityCardBlueprint.make({
  params: {
    filter: isPushedEntity,
    loader: () =>
      import('./components/DeliveryCard').then(m => <m.DeliveryCard />),
  },
});

const deliveryContent = EntityContentBlueprint.make({
  params: {
    path: 'delivery',
    title: 'Delivery',
    filter: isPushedEntity,
    loader: () =>
      import('./components/DeliveryContent').then(m => <m.DeliveryContent />),
  },
});

const deliveryPage = PageBlueprint.make({
  params: {
    path: '/delivery',
    title: 'Delivery',
    icon: <LocalShippingIcon />,
    noHeader: true,
    routeRef: rootRouteRef,
    loader: () =>
      import('./components/DeliveryPage').then(m => <m.DeliveryPage />),
  },
});

/** Stagedoor's Delivery plugin: what the pipelines delivered to the catalog. */
export const deliveryPlugin = createFrontendPlugin({
  pluginId: 'stagedoor-delivery',
  extensions: [deliveryApi, deliveryCard, deliveryContent, deliveryPage],
  routes: { root: rootRouteRef },
  externalRoutes: { onboardingTemplate: onboardingTemplateRouteRef },
});
