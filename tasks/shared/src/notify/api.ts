import {
  deleteSourceResponseSchema,
  PUSH_API_PATH,
  pushResponseSchema,
  sourceStatusSchema,
  type DeleteSourceResponse,
  type PushRequest,
  type PushResponse,
  type SourceStatus,
} from '@stagedoor/common';
import type { Entity } from '@backstage/catalog-model';
import { BackstageHttpClient } from '../backstage';
import type { HttpClientOptions } from '../http';

const CATALOG = '/api/catalog';

/** `kind:namespace/name` → its parts (lower-cased refs as the catalog writes them). */
export function parseRef(ref: string): {
  kind: string;
  namespace: string;
  name: string;
} {
  const m = /^([^:]+):(?:([^/]+)\/)?(.+)$/.exec(ref);
  if (!m) throw new Error(`'${ref}' is not an entity ref`);
  return { kind: m[1], namespace: m[2] ?? 'default', name: m[3] };
}

/** The Backstage calls the notify task makes, over the retrying client. */
export class BackstageApi {
  readonly http: BackstageHttpClient;
  constructor(options: Omit<HttpClientOptions, 'explain'>) {
    this.http = new BackstageHttpClient(options);
  }

  /** `POST /api/catalog/stagedoor/v1/push[?dryRun=true]`. */
  async push(request: PushRequest, dryRun: boolean): Promise<PushResponse> {
    const { body } = await this.http.request({
      method: 'POST',
      path: `${CATALOG}${PUSH_API_PATH}/push`,
      query: { dryRun: dryRun ? 'true' : undefined },
      body: request,
      schema: pushResponseSchema,
    });
    return body;
  }

  /** `GET /api/catalog/stagedoor/v1/sources/{sourceKey}`; undefined when nothing was pushed. */
  async sourceStatus(sourceKey: string): Promise<SourceStatus | undefined> {
    const response = await this.http.request({
      method: 'GET',
      path: `${CATALOG}${PUSH_API_PATH}/sources/${encodeURIComponent(sourceKey)}`,
      accept: [404],
    });
    if (response.status === 404) return undefined;
    return sourceStatusSchema.parse(response.body);
  }

  /**
   * `DELETE /api/catalog/stagedoor/v1/sources/{sourceKey}[?dryRun=true]`: removes every entity
   * of the source; undefined when the source has none (404).
   */
  async deleteSource(
    sourceKey: string,
    dryRun: boolean,
  ): Promise<DeleteSourceResponse | undefined> {
    const response = await this.http.request({
      method: 'DELETE',
      path: `${CATALOG}${PUSH_API_PATH}/sources/${encodeURIComponent(sourceKey)}`,
      query: { dryRun: dryRun ? 'true' : undefined },
      accept: [404],
    });
    if (response.status === 404) return undefined;
    return deleteSourceResponseSchema.parse(response.body);
  }

  /** The catalog's own `POST /api/catalog/refresh` (it also refreshes the entity's Location ancestors). */
  async refresh(entityRef: string): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: `${CATALOG}/refresh`,
      body: { entityRef },
    });
  }

  /** `GET /api/catalog/entities/by-name/{kind}/{namespace}/{name}`; undefined on 404. */
  async entity(ref: string): Promise<Entity | undefined> {
    const { kind, namespace, name } = parseRef(ref);
    const response = await this.http.request<Entity>({
      method: 'GET',
      path: `${CATALOG}/entities/by-name/${[kind, namespace, name].map(encodeURIComponent).join('/')}`,
      accept: [404],
    });
    return response.status === 404 ? undefined : response.body;
  }
}
