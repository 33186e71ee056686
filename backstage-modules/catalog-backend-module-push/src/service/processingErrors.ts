import type { LoggerService } from '@backstage/backend-plugin-api';
import type { EntityState } from '@stagedoor/common';
import type { PushStore } from '../database/PushStore';
import type { PushMetrics } from './metrics';

/**
 * The events topic on which the catalog publishes every processing result that has
 * errors: `CATALOG_ERRORS_TOPIC` of `@backstage/plugin-catalog-backend` (4.0.0,
 * `src/constants.ts`). Defined here because a catalog module does not depend on the
 * catalog plugin's package; the payload is `{ entity, location, errors }`.
 */
export const CATALOG_ERRORS_TOPIC = 'experimental.catalog.errors';

type ProcessingError = EntityState['errors'][number];

/**
 * Records the catalog's processing errors of pushed entities, so the status route can
 * report an entity that never made it into the catalog as failed. The catalog publishes
 * the errors on the replica that processed the entity; the table makes them visible to
 * every replica.
 */
export class ProcessingErrorRecorder {
  constructor(
    private readonly store: PushStore,
    private readonly logger: LoggerService,
    private readonly metrics?: PushMetrics,
  ) {}

  /** Handles one `experimental.catalog.errors` event; never throws (the catalog published it). */
  async record(payload: unknown): Promise<void> {
    const parsed = parsePayload(payload);
    if (!parsed) return;
    try {
      const owned = await this.store.ownedEntity(parsed.entityRef);
      // Not pushed: the catalog's other entities are none of this module's business.
      if (!owned) return;
      // While a push is stored but not yet applied, the catalog still holds the previous
      // state: these errors may belong to content the push replaces. The catalog
      // publishes them again on its next processing of the entity.
      if (Number(owned.applied_generation) < Number(owned.generation)) return;
      await this.store.saveProcessingErrors({
        entity_ref: parsed.entityRef,
        source_key: owned.source_key,
        commit: owned.commit,
        content_hash: owned.content_hash,
        errors: JSON.stringify(parsed.errors),
        received_at: new Date(),
      });
      this.metrics?.processingError();
    } catch (error) {
      this.logger.warn(
        `Could not record the catalog's processing errors of ${parsed.entityRef}: ${error}`,
      );
    }
  }
}

/** The entity ref (lower-cased, as the module's tables key it) and the errors of an event. */
export function parsePayload(
  payload: unknown,
): { entityRef: string; errors: ProcessingError[] } | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { entity, errors } = payload as { entity?: unknown; errors?: unknown };
  if (typeof entity !== 'string' || !Array.isArray(errors)) return undefined;
  if (errors.length === 0) return undefined;
  return {
    entityRef: entity.toLowerCase(),
    // Error instances when delivered in-process; plain objects through an events bus.
    errors: errors.map(e => {
      const { name, message } = (e ?? {}) as {
        name?: unknown;
        message?: unknown;
      };
      return {
        name: typeof name === 'string' && name ? name : 'Error',
        message:
          typeof message === 'string' && message
            ? message
            : 'processing failed',
      };
    }),
  };
}
