import type { LoggerService } from '@backstage/backend-plugin-api';
import type { AzureDevOpsCredentialsProvider } from '@backstage/integration';
import * as azdev from 'azure-devops-node-api';
import { Semaphore } from '../service/semaphore';

/** A project as discovery uses it. */
export interface DiscoveredProject {
  id: string;
  name: string;
}

/** A repository as discovery uses it (Git `GitRepository`). */
export interface DiscoveredRepository {
  id: string;
  name: string;
  project: string;
  /** `refs/heads/main`; absent for an empty repository. */
  defaultBranch?: string;
  isDisabled: boolean;
  isFork: boolean;
  size: number;
}

/** Azure DevOps answered with an error status (after the retries, for 429/503). */
export class AzureDevOpsRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'AzureDevOpsRequestError';
  }
}

/** Options of {@link AzureDevOpsDiscoveryClient.connect}. */
export interface DiscoveryClientOptions {
  organizationUrl: string;
  credentialsProvider: AzureDevOpsCredentialsProvider;
  logger: LoggerService;
  maxConcurrency: number;
  maxRetries: number;
  maxRetryWaitMs: number;
  requestTimeoutMs: number;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

function retryAfterMs(headers: Record<string, unknown>): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * The reads discovery makes (Core projects; Git repositories, refs, items) for one
 * organization, over azure-devops-node-api's connection (its auth handlers, proxy
 * and socket timeout), with at most `maxConcurrency` requests in flight. A 429/503
 * (or 5xx, or a dropped connection) is retried up to `maxRetries` times after
 * `Retry-After` (or a backoff); while Azure DevOps reports `X-RateLimit-Remaining: 0`
 * or a `X-RateLimit-Delay`, new requests wait.
 */
export class AzureDevOpsDiscoveryClient {
  /** Requests sent, including retries (for logs and the benchmark). */
  requests = 0;
  private readonly slots: Semaphore;
  private pausedUntil = 0;

  private constructor(
    private readonly options: DiscoveryClientOptions,
    private readonly http: azdev.WebApi['rest']['client'],
  ) {
    this.slots = new Semaphore(options.maxConcurrency);
  }

  /** Resolves credentials from `integrations.azure` (a fresh Entra token per run) and prepares the connection. */
  static async connect(
    options: DiscoveryClientOptions,
  ): Promise<AzureDevOpsDiscoveryClient> {
    const credentials = await options.credentialsProvider.getCredentials({
      url: options.organizationUrl,
    });
    if (!credentials) {
      throw new Error(
        `No Azure DevOps credentials for ${options.organizationUrl}: add integrations.azure with host '${
          new URL(options.organizationUrl).host
        }' and a personalAccessToken, or Entra credentials (managed identity, workload identity or client secret)`,
      );
    }
    const handler =
      credentials.type === 'pat'
        ? azdev.getPersonalAccessTokenHandler(credentials.token)
        : azdev.getBearerHandler(credentials.token);
    const api = new azdev.WebApi(options.organizationUrl, handler, {
      socketTimeout: options.requestTimeoutMs,
      allowRetries: false,
    });
    return new AzureDevOpsDiscoveryClient(options, api.rest.client);
  }

  private url(path: string, query: Record<string, string> = {}): string {
    const params = new URLSearchParams({ ...query, 'api-version': '7.1' });
    return `${this.options.organizationUrl}/${path}?${params}`;
  }

  /**
   * One GET with the retry rules. Answers the body, or `undefined` on 404; throws
   * {@link AzureDevOpsRequestError} on other errors.
   */
  private async get(
    url: string,
    what: string,
    accept = 'application/json',
  ): Promise<string | undefined> {
    const { maxRetries, maxRetryWaitMs, logger } = this.options;
    for (let attempt = 0; ; attempt++) {
      const wait = this.pausedUntil - Date.now();
      if (wait > 0) await new Promise(r => setTimeout(r, wait));
      let status: number;
      let body: string;
      let headers: Record<string, unknown>;
      try {
        const res = await this.slots.run(async () => {
          this.requests++;
          const r = await this.http.get(url, { Accept: accept });
          return {
            status: r.message.statusCode ?? 0,
            headers: r.message.headers as Record<string, unknown>,
            body: await r.readBody(),
          };
        });
        ({ status, body, headers } = res);
      } catch (e) {
        if (attempt >= maxRetries) {
          throw new AzureDevOpsRequestError(
            `Could not reach Azure DevOps at ${this.options.organizationUrl} (${what}): ${(e as Error).message}`,
            0,
          );
        }
        await new Promise(r => setTimeout(r, 250 * 2 ** attempt));
        continue;
      }
      this.notePacing(headers);
      if (status === 404) return undefined;
      if (status >= 200 && status < 300) return body;
      const after = retryAfterMs(headers);
      if (
        RETRYABLE.has(status) &&
        attempt < maxRetries &&
        (after ?? 0) <= maxRetryWaitMs
      ) {
        const delay = after ?? Math.min(maxRetryWaitMs, 500 * 2 ** attempt);
        logger.debug(
          `Azure DevOps answered ${status} to ${what}; retrying in ${delay} ms`,
        );
        if (status === 429 || after !== undefined) {
          // A rate limit is per identity: every request of this organization waits.
          this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delay);
        } else {
          await new Promise(r => setTimeout(r, delay));
        }
        continue;
      }
      let message = body.slice(0, 300);
      try {
        message = JSON.parse(body).message ?? message;
      } catch {
        // not JSON
      }
      throw new AzureDevOpsRequestError(
        `Azure DevOps answered ${status} to ${what}: ${message}`,
        status,
      );
    }
  }

  /** `X-RateLimit-Delay` (seconds the service slowed us) or an exhausted `X-RateLimit-Remaining` pause new requests. */
  private notePacing(headers: Record<string, unknown>): void {
    const remaining = Number(headers['x-ratelimit-remaining']);
    const reset = Number(headers['x-ratelimit-reset']);
    const delay = Number(headers['x-ratelimit-delay']);
    let until = 0;
    if (remaining === 0 && Number.isFinite(reset))
      until = Math.min(reset * 1000, Date.now() + this.options.maxRetryWaitMs);
    if (Number.isFinite(delay) && delay > 0)
      until = Math.max(
        until,
        Date.now() + Math.min(delay * 1000, this.options.maxRetryWaitMs),
      );
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  private async getJson<T>(url: string, what: string): Promise<T | undefined> {
    const body = await this.get(url, what);
    return body === undefined ? undefined : (JSON.parse(body) as T);
  }

  /** Every project of the organization (Core `Projects_List`, paged). */
  async listProjects(): Promise<DiscoveredProject[]> {
    const out: DiscoveredProject[] = [];
    const top = 500;
    for (let skip = 0; ; skip += top) {
      const page = await this.getJson<{ value: DiscoveredProject[] }>(
        this.url('_apis/projects', {
          $top: String(top),
          $skip: String(skip),
        }),
        'list projects',
      );
      const value = page?.value ?? [];
      out.push(...value.map(p => ({ id: p.id, name: p.name })));
      if (value.length < top) return out;
    }
  }

  /** The repositories of one project (Git `Repositories_List`). */
  async listRepositories(project: string): Promise<DiscoveredRepository[]> {
    const page = await this.getJson<{
      value: (Omit<DiscoveredRepository, 'project'> & {
        project?: { name?: string };
      })[];
    }>(
      this.url(`${encodeURIComponent(project)}/_apis/git/repositories`),
      `list repositories of ${project}`,
    );
    if (!page) {
      throw new AzureDevOpsRequestError(
        `Project ${project} was not found (list repositories)`,
        404,
      );
    }
    return page.value.map(r => ({
      id: r.id,
      name: r.name,
      project: r.project?.name ?? project,
      defaultBranch: r.defaultBranch,
      isDisabled: r.isDisabled === true,
      isFork: r.isFork === true,
      size: r.size ?? 0,
    }));
  }

  /** The commit `branch` points at, or `undefined` when the branch does not exist (Git `Refs_List`). */
  async headOf(
    project: string,
    repositoryId: string,
    branch: string,
  ): Promise<string | undefined> {
    const page = await this.getJson<{
      value: { name: string; objectId: string }[];
    }>(
      this.url(
        `${encodeURIComponent(project)}/_apis/git/repositories/${repositoryId}/refs`,
        { filter: branch.replace(/^refs\//, '') },
      ),
      `read ${branch} of ${project}/${repositoryId}`,
    );
    return page?.value.find(r => r.name === branch)?.objectId;
  }

  /** A file's text at `commit`, or `undefined` when it does not exist (Git `Items_List` with `path`). */
  readFile(
    project: string,
    repositoryId: string,
    path: string,
    commit: string,
  ): Promise<string | undefined> {
    return this.get(
      this.url(
        `${encodeURIComponent(project)}/_apis/git/repositories/${repositoryId}/items`,
        {
          path,
          'versionDescriptor.version': commit,
          'versionDescriptor.versionType': 'commit',
          download: 'false',
        },
      ),
      `read ${path} of ${project}/${repositoryId}`,
      'application/octet-stream',
    );
  }

  /** Every file path of the repository at `commit` (Git `Items_List`, full recursion). */
  async listFiles(
    project: string,
    repositoryId: string,
    commit: string,
  ): Promise<string[]> {
    const page = await this.getJson<{
      value: { path: string; isFolder?: boolean }[];
    }>(
      this.url(
        `${encodeURIComponent(project)}/_apis/git/repositories/${repositoryId}/items`,
        {
          scopePath: '/',
          recursionLevel: 'full',
          'versionDescriptor.version': commit,
          'versionDescriptor.versionType': 'commit',
        },
      ),
      `list files of ${project}/${repositoryId}`,
    );
    return (page?.value ?? []).filter(i => !i.isFolder).map(i => i.path);
  }
}
