import {
  createApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/frontend-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import type { SourceList, SourceStatus } from '@stagedoor/common';

/** Reads what pipelines delivered, from the push module's read-only routes. */
export interface DeliveryApi {
  /** The last push of one source and the catalog's processing state of its entities. */
  getSource(sourceKey: string): Promise<SourceStatus>;
  /** Sources, newest push first; `failedOnly` keeps those with an entity the catalog failed to process. */
  listSources(options?: {
    project?: string;
    failedOnly?: boolean;
    limit?: number;
  }): Promise<SourceList>;
  /**
   * The entity's published TechDocs site, from the TechDocs backend's metadata route
   * (the site's `techdocs_metadata.json`): `buildTimestamp` in ms since the epoch when
   * the publisher wrote one; `undefined` when no site is published (404).
   */
  getTechDocsSite(
    entity: CompoundEntityRef,
  ): Promise<{ buildTimestamp?: number } | undefined>;
}

export const deliveryApiRef = createApiRef<DeliveryApi>({
  id: 'plugin.stagedoor-delivery.api',
});

/** {@link DeliveryApi} over `discoveryApi` (the catalog's URL) and `fetchApi` (the user's token). */
export class DeliveryClient implements DeliveryApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  async getSource(sourceKey: string): Promise<SourceStatus> {
    return this.get(`/sources/${encodeURIComponent(sourceKey)}`);
  }

  async listSources(
    options: { project?: string; failedOnly?: boolean; limit?: number } = {},
  ): Promise<SourceList> {
    const query = new URLSearchParams();
    if (options.project) query.set('project', options.project);
    if (options.failedOnly) query.set('failed', 'true');
    if (options.limit) query.set('limit', String(options.limit));
    const qs = query.toString();
    return this.get(`/sources${qs ? `?${qs}` : ''}`);
  }

  async getTechDocsSite(
    entity: CompoundEntityRef,
  ): Promise<{ buildTimestamp?: number } | undefined> {
    const base = await this.options.discoveryApi.getBaseUrl('techdocs');
    const path = [entity.namespace, entity.kind, entity.name]
      .map(encodeURIComponent)
      .join('/');
    const response = await this.options.fetchApi.fetch(
      `${base}/metadata/techdocs/${path}`,
    );
    if (response.status === 404) return undefined;
    if (!response.ok) throw await ResponseError.fromResponse(response);
    const metadata = (await response.json()) as { build_timestamp?: unknown };
    return typeof metadata.build_timestamp === 'number'
      ? { buildTimestamp: metadata.build_timestamp }
      : {};
  }

  private async get<T>(path: string): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('catalog');
    const response = await this.options.fetchApi.fetch(
      `${base}/stagedoor/v1${path}`,
    );
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}
