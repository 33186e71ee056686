import type { HumanDuration } from '@backstage/types';

export interface Config {
  stagedoor?: {
    /** The Azure cost plugin (`@stagedoor/plugin-azure-cost-backend`). */
    azureCost?: {
      /**
       * Where cost data comes from: `azure` (the Cost Management Query API, the
       * default) or `sample` (generated figures for development, labelled "sample
       * data" in every answer; the production config must not select it).
       */
      source?: 'azure' | 'sample';
      /**
       * The Cost Management query type: `ActualCost` (what was billed, the default) or
       * `AmortizedCost` (reservations and savings plans spread over their term).
       */
      costType?: 'ActualCost' | 'AmortizedCost';
      /** The period a request without `days` covers, in days ending today (UTC). Default 30. */
      defaultDays?: number;
      /** The longest period a request may ask for, in days. Default 92 (one QPU per month queried). */
      maxDays?: number;
      /**
       * How long an answer is cached (Backstage cache service). Default 4 hours: Cost
       * Management refreshes its data about every four hours.
       */
      cacheTtl?: HumanDuration;
      /** The Cost Management Query API. */
      azure?: {
        /** Azure Resource Manager endpoint. Default `https://management.azure.com`. */
        endpoint?: string;
        /** The token scope requested from Entra ID. Default `https://management.azure.com/.default`. */
        tokenScope?: string;
        /**
         * Subscription of entities whose `azure.com/subscription-id` annotation is absent.
         */
        defaultSubscriptionId?: string;
        /**
         * Tenant of the credential (DefaultAzureCredential: environment, workload
         * identity, managed identity). Default: `AZURE_TENANT_ID`.
         */
        tenantId?: string;
        /**
         * Client id of the user-assigned managed identity or workload identity to use.
         * Default: `AZURE_CLIENT_ID`, or the system-assigned identity.
         */
        clientId?: string;
        /** Timeout of each HTTP call to Azure (token and query). Default 30 seconds. */
        timeout?: HumanDuration;
        /** Retries of a throttled (429) or unavailable (503) query. Default 3. */
        maxRetries?: number;
        /**
         * The longest back-off honoured from the retry headers; a longer one ends the
         * request with an error state at once. Default 60 seconds.
         */
        maxRetryAfter?: HumanDuration;
        /** Pages of a query followed through `nextLink` at most. Default 20. */
        maxPages?: number;
      };
      /** The `sample` source. */
      sample?: {
        /** Currency of the sample figures. Default `EUR`. */
        currency?: string;
      };
    };
  };
}
