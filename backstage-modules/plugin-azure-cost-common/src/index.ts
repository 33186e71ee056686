/**
 * Types and annotations shared by the Azure cost plugin's frontend and backend.
 *
 * @packageDocumentation
 */
import type { Entity } from '@backstage/catalog-model';
import { AZURE_RESOURCE_GROUP_ANNOTATION } from './types';

export * from './types';

/** Whether an entity names resource groups whose cost can be shown. */
export function hasAzureCost(entity: Entity): boolean {
  return Boolean(
    entity.metadata.annotations?.[AZURE_RESOURCE_GROUP_ANNOTATION]?.trim(),
  );
}
