import type { AuthService } from '@backstage/backend-plugin-api';
import { ANNOTATION_LOCATION } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { EntityConflict } from '@stagedoor/common';
import { ANNOTATION_STAGEDOOR_SOURCE, type DesiredEntity } from './entities';
import { OwnershipConflictError } from './errors';

/**
 * Refuses entities the catalog already has from another source or location. The
 * same file read by the upstream Azure DevOps provider has the same location, so
 * push and pull of one repository coexist.
 */
export async function checkCatalogOwnership(
  catalog: CatalogService,
  auth: AuthService,
  sourceKey: string,
  desired: DesiredEntity[],
): Promise<void> {
  if (desired.length === 0) return;
  const credentials = await auth.getOwnServiceCredentials();
  const { items } = await catalog.getEntitiesByRefs(
    {
      entityRefs: desired.map(d => d.ref),
      fields: [
        'kind',
        'metadata.namespace',
        'metadata.name',
        'metadata.annotations',
      ],
    },
    { credentials },
  );
  const conflicts: EntityConflict[] = [];
  items.forEach((existing, i) => {
    if (!existing) return;
    const annotations = existing.metadata.annotations ?? {};
    const owner = annotations[ANNOTATION_STAGEDOOR_SOURCE];
    const location = annotations[ANNOTATION_LOCATION];
    const mine = desired[i].entity.metadata.annotations?.[ANNOTATION_LOCATION];
    if (owner && owner !== sourceKey) {
      conflicts.push({
        entityRef: desired[i].ref,
        ownerType: 'source',
        owner,
      });
    } else if (!owner && location !== mine) {
      conflicts.push({
        entityRef: desired[i].ref,
        ownerType: 'location',
        owner: location,
      });
    }
  });
  if (conflicts.length > 0) {
    throw new OwnershipConflictError(
      'Already owned by another source or location',
      conflicts,
    );
  }
}
