import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { azureCostApiRef } from '../api';
import useAsync from 'react-use/esm/useAsync';

/** The cost of the page's entity over the last `days` days. */
export function useEntityCost(days = 30) {
  const { entity } = useEntity();
  const api = useApi(azureCostApiRef);
  const ref = stringifyEntityRef(entity);
  return useAsync(() => api.getCost(ref, { days }), [api, ref, days]);
}
