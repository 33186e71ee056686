import {
  createApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/frontend-plugin-api';
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

  private async get<T>(path: string): Promise<T> {
    const base = await this.options.discoveryApi.getBaseUrl('catalog');
    const response = await this.options.fetchApi.fetch(
      `${base}/stagedoor/v1${path}`,
    );
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as T;
  }
}
