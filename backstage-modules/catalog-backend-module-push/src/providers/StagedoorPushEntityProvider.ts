import type { LoggerService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import type {
  DeferredEntity,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';

/**
 * Hands pushed entities to the catalog as delta mutations. It never runs a full
 * mutation: each push only adds, updates and removes what its own source owns.
 */
export class StagedoorPushEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly logger: LoggerService;

  static create(options: {
    logger: LoggerService;
  }): StagedoorPushEntityProvider {
    return new StagedoorPushEntityProvider(options.logger);
  }

  private constructor(logger: LoggerService) {
    this.logger = logger.child({ target: this.getProviderName() });
  }

  getProviderName(): string {
    return 'stagedoor-push';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    this.logger.debug('connected to the catalog');
  }

  /** Applies one delta: upserts `added`, drops `removed` (refs) from this provider. */
  async applyDelta(added: DeferredEntity[], removed: string[]): Promise<void> {
    if (!this.connection) {
      throw new ServiceUnavailableError(
        'The catalog has not connected the Stagedoor push provider yet; retry shortly',
      );
    }
    if (added.length === 0 && removed.length === 0) return;
    await this.connection.applyMutation({
      type: 'delta',
      added,
      removed: removed.map(entityRef => ({ entityRef })),
    });
  }
}
