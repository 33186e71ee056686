import { stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { ANNOTATION_SOURCE_KEY } from '../annotations';
import { deliveryApiRef } from '../api';
import useAsync from 'react-use/esm/useAsync';

/** The pushed source of the entity on the page, and the entity's ref as the push module keys it. */
export function useEntitySource() {
  const { entity } = useEntity();
  const api = useApi(deliveryApiRef);
  const sourceKey = entity.metadata.annotations?.[ANNOTATION_SOURCE_KEY] ?? '';
  const state = useAsync(() => api.getSource(sourceKey), [api, sourceKey]);
  return {
    ...state,
    entity,
    sourceKey,
    entityRef: stringifyEntityRef(entity).toLowerCase(),
  };
}
