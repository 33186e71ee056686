/**
 * The HTTP answers of the plugin (`GET /api/azure-cost/cost?entityRef=…`), shared
 * with the frontend plugin.
 */

/** The annotation naming the entity's resource groups (comma-separated). */
export const AZURE_RESOURCE_GROUP_ANNOTATION = 'azure.com/resource-group';
/** The annotation naming the subscription of those resource groups. */
export const AZURE_SUBSCRIPTION_ANNOTATION = 'azure.com/subscription-id';
/** The annotation `key=value` limiting the cost to resources with that tag. */
export const AZURE_COST_TAG_ANNOTATION = 'azure.com/cost-tag';

/** A Cost Management query type. */
export type AzureCostType = 'ActualCost' | 'AmortizedCost';

/** One resource group whose cost counts, optionally only resources with a tag. */
export interface AzureCostScope {
  subscriptionId: string;
  resourceGroup: string;
  tag?: { key: string; value: string };
}

/** What an entity cost over a period. */
export interface AzureCostReport {
  entityRef: string;
  /** `sample`: generated figures for development, not Azure's. */
  source: 'azure' | 'sample';
  costType: AzureCostType;
  /** Inclusive UTC dates, `YYYY-MM-DD`. */
  period: { from: string; to: string };
  /** Absent when there is no cost at all in the period. */
  currency?: string;
  total: number;
  /** Cost per Azure service (ServiceName), largest first. */
  byService: { service: string; cost: number }[];
  /** Cost per resource (ResourceId), largest first. */
  byResource: { resourceId: string; cost: number }[];
  /** Cost per day, every day of the period. */
  daily: { date: string; cost: number }[];
  /** The resource groups queried. */
  scopes: AzureCostScope[];
  /** For a Group: the components it owns (that the caller may read) and their totals. */
  components?: { entityRef: string; total: number }[];
  /** When the figures were fetched (ISO time); older when served from the cache. */
  fetchedAt: string;
}
