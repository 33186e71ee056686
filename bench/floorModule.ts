/**
 * The catalog's floor for P2, as a test-only catalog module: an entity provider that applies
 * the entities it is sent in one full mutation, the fastest ingestion the catalog offers.
 * `POST /api/catalog/bench-floor/apply` with `{ "entities": [...] }` answers once the
 * catalog has stored the mutation (processing and stitching follow, as for any provider).
 * Loaded only by bench/floorBackend.ts, never by the baseline backend.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import {
  catalogProcessingExtensionPoint,
  type EntityProvider,
  type EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import type { IncomingMessage } from 'node:http';

class FloorProvider implements EntityProvider {
  connection?: EntityProviderConnection;
  getProviderName() {
    return 'bench-floor';
  }
  async connect(connection: EntityProviderConnection) {
    this.connection = connection;
  }
}

async function readBody(req: IncomingMessage): Promise<{ entities: Entity[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** An entity as the catalog API returned it, without what the catalog adds. */
export function asDeferred(entity: Entity) {
  const { uid: _u, etag: _e, ...metadata } = entity.metadata;
  return {
    entity: {
      apiVersion: entity.apiVersion,
      kind: entity.kind,
      metadata,
      spec: entity.spec,
    } as Entity,
    locationKey: metadata.annotations?.['backstage.io/managed-by-location'],
  };
}

export default createBackendModule({
  pluginId: 'catalog',
  moduleId: 'bench-floor',
  register(env) {
    env.registerInit({
      deps: {
        processing: catalogProcessingExtensionPoint,
        httpRouter: coreServices.httpRouter,
      },
      async init({ processing, httpRouter }) {
        const floor = new FloorProvider();
        processing.addEntityProvider(floor);
        httpRouter.use(async (req, res, next) => {
          if (req.method !== 'POST' || req.path !== '/bench-floor/apply')
            return next();
          try {
            if (!floor.connection) {
              res.status(503).json({ message: 'not connected yet' });
              return;
            }
            const { entities } = await readBody(req);
            await floor.connection.applyMutation({
              type: 'full',
              entities: entities.map(asDeferred),
            });
            res.json({ applied: entities.length });
          } catch (error) {
            next(error);
          }
        });
      },
    });
  },
});
