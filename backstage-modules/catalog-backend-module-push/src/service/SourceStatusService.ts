import type { AlphaEntity } from '@backstage/catalog-model/alpha';
import type { AuthService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { EntityState, SourceStatus } from '@stagedoor/common';
import type { PushStore } from '../database/PushStore';
import type { SourceRow } from '../database/tables';
import { ANNOTATION_STAGEDOOR_COMMIT } from './entities';

/**
 * What a source last pushed and how far the catalog got with each entity, read
 * through the catalog's public API (never its tables), plus the processing errors the
 * catalog published for entities it could not process even once.
 */
export class SourceStatusService {
  constructor(
    private readonly store: PushStore,
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
  ) {}

  async status(sourceKey: string): Promise<SourceStatus> {
    const source = await this.store.getSource(sourceKey);
    if (!source) {
      throw new NotFoundError(`Nothing was pushed for source ${sourceKey}`);
    }
    return this.statusOf(source);
  }

  /**
   * The newest `limit` sources (of `project` when given), with their status; with
   * `failedOnly`, those of them with an entity the catalog failed to process.
   */
  async list(options: {
    project?: string;
    limit: number;
    failedOnly?: boolean;
  }): Promise<SourceStatus[]> {
    const sources = await this.store.listSources(options);
    const items = await Promise.all(
      sources.map(source => this.statusOf(source)),
    );
    return options.failedOnly
      ? items.filter(s => s.entities.some(e => e.state === 'failed'))
      : items;
  }

  private async statusOf(source: SourceRow): Promise<SourceStatus> {
    const sourceKey = source.source_key;
    const rows = await this.store.getEntities(sourceKey);
    const recorded = new Map(
      (await this.store.getProcessingErrors(sourceKey)).map(e => [
        e.entity_ref,
        e,
      ]),
    );
    const credentials = await this.auth.getOwnServiceCredentials();
    const { items } = rows.length
      ? await this.catalog.getEntitiesByRefs(
          {
            entityRefs: rows.map(r => r.entity_ref),
            fields: [
              'kind',
              'metadata.namespace',
              'metadata.name',
              'metadata.annotations',
              'status',
            ],
          },
          { credentials },
        )
      : { items: [] };
    const entities: EntityState[] = rows.map((row, i) => {
      const entity = items[i] as AlphaEntity | null;
      if (!entity) {
        // Never processed successfully: the catalog's error events are all there is.
        // Errors recorded for another version of the entity are not this push's.
        const e = recorded.get(row.entity_ref);
        return e &&
          e.commit === row.commit &&
          e.content_hash === row.content_hash
          ? {
              entityRef: row.entity_ref,
              state: 'failed',
              errors: JSON.parse(e.errors) as EntityState['errors'],
            }
          : { entityRef: row.entity_ref, state: 'pending', errors: [] };
      }
      const errors = (entity.status?.items ?? [])
        .filter(item => item.level === 'error')
        .map(item => ({
          name: item.error?.name ?? item.type,
          message: item.error?.message ?? 'processing failed',
        }));
      if (errors.length > 0)
        return { entityRef: row.entity_ref, state: 'failed', errors };
      const atCommit =
        entity.metadata.annotations?.[ANNOTATION_STAGEDOOR_COMMIT] ===
        row.commit;
      return {
        entityRef: row.entity_ref,
        state: atCommit ? 'processed' : 'pending',
        errors: [],
      };
    });
    return {
      sourceKey,
      commit: source.commit,
      buildId: source.build_id === null ? null : Number(source.build_id),
      buildUrl: source.build_url,
      pushedAt: new Date(source.pushed_at).toISOString(),
      entities,
      organizationUrl: source.organization_url,
      project: source.project,
      repositoryName: source.repository_name,
      branch: source.branch,
      pushedBy: source.pushed_by,
    };
  }
}
