import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type HttpHeaders,
  type Pipeline,
} from '@azure/core-rest-pipeline';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { AzureCostConfig } from '../config';
import type { AzureCostScope, AzureCostType } from '../types';
import { AzureCostError } from './errors';
import {
  queryDefinition,
  rowsOf,
  type CostRow,
  type QueryProperties,
} from './queryDefinition';

/** The api-version of the Query API this client speaks. */
export const COST_MANAGEMENT_API_VERSION = '2025-03-01';

/** Where cost rows come from: Azure, or the sample source. */
export interface CostSource {
  readonly kind: 'azure' | 'sample';
  query(
    scope: AzureCostScope,
    period: { from: string; to: string },
    costType: AzureCostType,
  ): Promise<CostRow[]>;
}

// The throttling headers Cost Management sends with a 429 (seconds), then ARM's own.
const RETRY_AFTER_HEADERS = [
  'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after',
  'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after',
  'x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after',
  'x-ms-ratelimit-microsoft.costmanagement-clienttype-retry-after',
  'retry-after',
];

/** The back-off a throttled answer asks for, in ms (the longest of its headers). */
export function retryAfterMs(headers: HttpHeaders): number | undefined {
  let longest: number | undefined;
  for (const name of RETRY_AFTER_HEADERS) {
    const value = headers.get(name);
    if (value === undefined) continue;
    let ms = Number(value) * 1000;
    if (!Number.isFinite(ms)) {
      const date = Date.parse(value);
      ms = Number.isNaN(date) ? NaN : date - Date.now();
    }
    if (Number.isFinite(ms)) longest = Math.max(longest ?? 0, ms, 0);
  }
  return longest;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * The Cost Management Query API over `@azure/core-rest-pipeline` with an
 * `@azure/identity` bearer token: one POST per resource group, pages followed through
 * `nextLink`, 429/503 retried after the API's retry headers (bounded), every call
 * with a timeout. (`@azure/arm-costmanagement` exists only as a 1.0.0 beta and its
 * query operation does not page, so it does not fit.)
 */
export class CostManagementClient implements CostSource {
  readonly kind = 'azure' as const;

  static fromConfig(
    config: AzureCostConfig['azure'],
    options: { logger: LoggerService; credential?: TokenCredential },
  ): CostManagementClient {
    const credential =
      options.credential ??
      new DefaultAzureCredential({
        ...(config.tenantId ? { tenantId: config.tenantId } : {}),
        ...(config.clientId
          ? {
              managedIdentityClientId: config.clientId,
              workloadIdentityClientId: config.clientId,
            }
          : {}),
        retryOptions: { maxRetries: 2 },
      });
    return new CostManagementClient(config, credential, options.logger);
  }

  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;

  private constructor(
    private readonly config: AzureCostConfig['azure'],
    credential: TokenCredential,
    private readonly logger: LoggerService,
  ) {
    this.pipeline = createEmptyPipeline();
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({
        credential,
        scopes: config.tokenScope,
      }),
    );
    this.httpClient = createDefaultHttpClient();
  }

  async query(
    scope: AzureCostScope,
    period: { from: string; to: string },
    costType: AzureCostType,
  ): Promise<CostRow[]> {
    const body = JSON.stringify(queryDefinition(scope, period, costType));
    const path = `/subscriptions/${encodeURIComponent(scope.subscriptionId)}/resourceGroups/${encodeURIComponent(scope.resourceGroup)}/providers/Microsoft.CostManagement/query`;
    let url: string | undefined =
      `${this.config.endpoint}${path}?api-version=${COST_MANAGEMENT_API_VERSION}`;
    const rows: CostRow[] = [];
    for (let page = 1; url; page++) {
      if (page > this.config.maxPages) {
        throw new AzureCostError(
          `Azure Cost Management returned more than ${this.config.maxPages} pages for resource group ${scope.resourceGroup}; raise stagedoor.azureCost.azure.maxPages or shorten the period`,
          'TooManyPages',
        );
      }
      const properties = await this.post(url, body, scope);
      try {
        rows.push(...rowsOf(properties));
      } catch (error) {
        throw new AzureCostError(
          `Azure Cost Management answered in an unexpected shape for resource group ${scope.resourceGroup}: ${(error as Error).message}`,
          'UnexpectedAnswer',
        );
      }
      url = properties.nextLink || undefined;
      // The token goes wherever nextLink points: only ever to the configured endpoint.
      if (url && new URL(url).origin !== this.config.endpoint) {
        throw new AzureCostError(
          `Azure Cost Management gave a nextLink outside ${this.config.endpoint}; not followed`,
          'UnexpectedAnswer',
        );
      }
    }
    return rows;
  }

  private async post(
    url: string,
    body: string,
    scope: AzureCostScope,
  ): Promise<QueryProperties> {
    for (let attempt = 0; ; attempt++) {
      const request = createPipelineRequest({
        url,
        method: 'POST',
        body,
        headers: createHttpHeaders({
          'content-type': 'application/json',
          accept: 'application/json',
        }),
        timeout: this.config.timeoutMs,
      });
      let response;
      try {
        response = await this.pipeline.sendRequest(this.httpClient, request);
      } catch (error) {
        const e = error as Error & { code?: string };
        if (e.name === 'AbortError' || /timed? ?out/i.test(e.message)) {
          throw new AzureCostError(
            `Azure Cost Management did not answer within ${this.config.timeoutMs} ms (resource group ${scope.resourceGroup})`,
            'Timeout',
            504,
          );
        }
        if (
          e.name === 'CredentialUnavailableError' ||
          e.name === 'AuthenticationError' ||
          e.name === 'AggregateAuthenticationError'
        ) {
          throw new AzureCostError(
            `No Azure token for Cost Management (managed identity, workload identity or AZURE_* environment): ${e.message}`,
            'CredentialUnavailable',
          );
        }
        throw new AzureCostError(
          `Azure Cost Management could not be reached: ${e.message}`,
          e.code ?? 'RequestFailed',
        );
      }
      const { status } = response;
      if (status === 200) {
        const parsed = JSON.parse(response.bodyAsText || '{}') as {
          properties?: QueryProperties;
        };
        return parsed.properties ?? {};
      }
      if (status === 204) return {};
      if (status === 429 || status === 503) {
        const wait = retryAfterMs(response.headers) ?? 1000 * 2 ** attempt;
        if (attempt < this.config.maxRetries) {
          if (wait <= this.config.maxRetryAfterMs) {
            this.logger.warn(
              `Cost Management answered ${status} for resource group ${scope.resourceGroup}; retrying in ${wait} ms (retry ${attempt + 1} of ${this.config.maxRetries})`,
            );
            await sleep(wait);
            continue;
          }
        }
        throw new AzureCostError(
          `Azure said: too many requests; Cost Management asks to wait ${Math.ceil(wait / 1000)} s before querying resource group ${scope.resourceGroup} again (after ${attempt + 1} attempts)`,
          status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
          503,
        );
      }
      throw azureError(status, response.bodyAsText ?? undefined, scope);
    }
  }
}

function azureError(
  status: number,
  text: string | undefined,
  scope: AzureCostScope,
): AzureCostError {
  let code = String(status);
  let message = text?.slice(0, 500) || `HTTP ${status}`;
  try {
    const body = JSON.parse(text ?? '') as {
      error?: { code?: string; message?: string };
    };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code) code = body.error.code;
  } catch {
    // not JSON: keep the text
  }
  return new AzureCostError(
    `Azure said (${status} ${code}) for resource group ${scope.resourceGroup}: ${message}`,
    code,
  );
}
