import {
  createApiRef,
  type DiscoveryApi,
  type FetchApi,
} from '@backstage/frontend-plugin-api';
import { ResponseError } from '@backstage/errors';
import type { AzureCostReport } from '@stagedoor/plugin-azure-cost-common';

/** Reads the Azure cost of catalog entities from the azure-cost backend plugin. */
export interface AzureCostApi {
  /** The cost of an entity (a Group: its components') over the last `days` days. */
  getCost(
    entityRef: string,
    options?: { days?: number },
  ): Promise<AzureCostReport>;
}

export const azureCostApiRef = createApiRef<AzureCostApi>({
  id: 'plugin.azure-cost.api',
});

/** {@link AzureCostApi} over `discoveryApi` (the backend's URL) and `fetchApi` (the user's token). */
export class AzureCostClient implements AzureCostApi {
  constructor(
    private readonly options: {
      discoveryApi: DiscoveryApi;
      fetchApi: FetchApi;
    },
  ) {}

  async getCost(
    entityRef: string,
    options: { days?: number } = {},
  ): Promise<AzureCostReport> {
    const query = new URLSearchParams({ entityRef });
    if (options.days) query.set('days', String(options.days));
    const base = await this.options.discoveryApi.getBaseUrl('azure-cost');
    const response = await this.options.fetchApi.fetch(`${base}/cost?${query}`);
    if (!response.ok) throw await ResponseError.fromResponse(response);
    return (await response.json()) as AzureCostReport;
  }
}
