import type {
  BackstageCredentials,
  CacheService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  parseEntityRef,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { AzureCostConfig } from '../config';
import type { CostSource } from '../azure/CostManagementClient';
import {
  AZURE_RESOURCE_GROUP_ANNOTATION,
  type AzureCostReport,
  type AzureCostScope,
} from '../types';
import { scopeKey, scopesForEntity } from './scope';
import { combine, periodOf, summarize, type CostSummary } from './summary';

export interface AzureCostServiceOptions {
  config: AzureCostConfig;
  source: CostSource;
  cache: CacheService;
  catalog: CatalogService;
  permissions: PermissionsService;
  logger: LoggerService;
}

/**
 * The cost of an entity for a caller: checks that the caller may read the entity,
 * builds its scopes from the annotations, and answers from the cache or the source
 * (one fetch at a time per scope set and period). A Group's cost is the sum over the
 * components it owns that the caller may read.
 */
export class AzureCostService {
  private readonly inFlight = new Map<string, Promise<CostSummary>>();

  constructor(private readonly options: AzureCostServiceOptions) {}

  async costOf(
    entityRef: string,
    days: number | undefined,
    credentials: BackstageCredentials,
  ): Promise<AzureCostReport> {
    const { config, catalog, permissions } = this.options;
    let ref: string;
    try {
      ref = stringifyEntityRef(
        parseEntityRef(entityRef, { defaultKind: 'component' }),
      );
    } catch (error) {
      throw new InputError(
        `entityRef: ${(error as Error).message} (e.g. component:default/payments)`,
      );
    }
    const period = periodOf(this.checkDays(days ?? config.defaultDays));
    const [decision] = await permissions.authorize(
      [{ permission: catalogEntityReadPermission, resourceRef: ref }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not read ${ref} in the catalog, so its cost is not shown`,
      );
    }
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity) throw new NotFoundError(`No entity ${ref} in the catalog`);

    const base = {
      entityRef: ref,
      source: this.options.source.kind,
      costType: config.costType,
      period,
    };
    if (entity.kind.toLowerCase() === 'group') {
      const components = await this.ownedComponents(ref, credentials);
      const parts = await Promise.all(
        components.map(async c => ({
          entityRef: stringifyEntityRef(c.entity),
          scopes: c.scopes,
          summary: await this.summaryOf(c.scopes, period),
        })),
      );
      return {
        ...base,
        ...combine(
          parts.map(p => p.summary),
          period,
        ),
        scopes: parts.flatMap(p => p.scopes),
        components: parts
          .map(p => ({ entityRef: p.entityRef, total: p.summary.total }))
          .sort((a, b) => b.total - a.total),
      };
    }
    const scopes = scopesForEntity(entity, config.azure.defaultSubscriptionId);
    if (scopes.length === 0) {
      throw new InputError(
        `${ref} has no ${AZURE_RESOURCE_GROUP_ANNOTATION} annotation; add it to its catalog-info.yaml with the resource groups of its Azure resources`,
      );
    }
    return { ...base, ...(await this.summaryOf(scopes, period)), scopes };
  }

  private checkDays(days: number) {
    const { maxDays } = this.options.config;
    if (!Number.isInteger(days) || days < 1 || days > maxDays) {
      throw new InputError(
        `days must be a whole number from 1 to ${maxDays} (got ${days})`,
      );
    }
    return days;
  }

  /** The annotated components a group owns, as far as the caller may read them. */
  private async ownedComponents(
    groupRef: string,
    credentials: BackstageCredentials,
  ) {
    const { items } = await this.options.catalog.getEntities(
      {
        filter: {
          kind: 'Component',
          'relations.ownedBy': groupRef,
          [`metadata.annotations.${AZURE_RESOURCE_GROUP_ANNOTATION}`]:
            CATALOG_FILTER_EXISTS,
        },
      },
      { credentials },
    );
    const out: { entity: Entity; scopes: AzureCostScope[] }[] = [];
    for (const entity of items) {
      try {
        const scopes = scopesForEntity(
          entity,
          this.options.config.azure.defaultSubscriptionId,
        );
        if (scopes.length) out.push({ entity, scopes });
      } catch (error) {
        // One badly annotated component does not hide the others' cost.
        this.options.logger.warn(
          `Group ${groupRef}: ${stringifyEntityRef(entity)} left out of the sum: ${(error as Error).message}`,
        );
      }
    }
    return out;
  }

  private async summaryOf(
    scopes: AzureCostScope[],
    period: { from: string; to: string },
  ): Promise<CostSummary> {
    const { cache, source, config } = this.options;
    const key = `v1:${source.kind}:${config.costType}:${period.from}:${period.to}:${scopeKey(scopes)}`;
    const cached = (await cache.get(key)) as CostSummary | undefined;
    if (cached) return cached;
    const running = this.inFlight.get(key);
    if (running) return running;
    const fetching = (async () => {
      const rows = [];
      // One resource group after another: Cost Management's quotas are per tenant.
      for (const scope of scopes) {
        rows.push(...(await source.query(scope, period, config.costType)));
      }
      const summary = summarize(rows, period);
      await cache.set(key, summary as never, { ttl: config.cacheTtlMs });
      return summary;
    })();
    this.inFlight.set(key, fetching);
    try {
      return await fetching;
    } finally {
      this.inFlight.delete(key);
    }
  }
}
