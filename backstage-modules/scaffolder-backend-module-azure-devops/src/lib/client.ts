import * as azdev from 'azure-devops-node-api';
import type { IRequestOptions } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import * as PipelinesInterfaces from 'azure-devops-node-api/interfaces/PipelinesInterfaces';
import * as TaskAgentInterfaces from 'azure-devops-node-api/interfaces/TaskAgentInterfaces';
import { AzureDevOpsCredentialsProvider } from '@backstage/integration';
import { InputError, NotFoundError } from '@backstage/errors';
import { azureDevOpsError, messageOf } from './errors';
import { requestJson } from './http';

/** The default timeout of one Azure DevOps call. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Options of {@link AzureDevOpsClient.create}. */
export interface AzureDevOpsClientOptions {
  organizationUrl: string;
  credentialsProvider: AzureDevOpsCredentialsProvider;
  /** A token from the template (community `token` input); sent as Bearer. */
  token?: string;
  timeoutMs?: number;
}

/** A pipeline as the actions use it. */
export interface PipelineInfo {
  id: number;
  name: string;
  folder: string;
  url: string;
}

/** A run as the actions use it; state and result as the service spells them. */
export interface RunInfo {
  id: number;
  url: string;
  state: string;
  result: string;
  /** The run's variables as the service answers them (secret values null). */
  variables?: Record<string, { value?: string; isSecret?: boolean }>;
}

/** `RunState.InProgress` (1) → `inProgress`; strings pass through. */
function enumText(e: Record<string, string | number>, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  const name = e[value as number];
  return typeof name === 'string'
    ? name.charAt(0).toLowerCase() + name.slice(1)
    : String(value);
}

/**
 * The Azure DevOps calls of the actions, for one organization, with the
 * credentials `integrations.azure` has for it (PAT → Basic, Entra → Bearer).
 */
export class AzureDevOpsClient {
  private constructor(
    readonly organizationUrl: string,
    private readonly headers: Record<string, string>,
    private readonly connection: azdev.WebApi,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves credentials and prepares the connection; no call is made yet. */
  static async create(
    options: AzureDevOpsClientOptions,
  ): Promise<AzureDevOpsClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let kind: 'pat' | 'bearer';
    let token: string;
    if (options.token) {
      kind = 'bearer';
      token = options.token;
    } else {
      const credentials = await options.credentialsProvider.getCredentials({
        url: options.organizationUrl,
      });
      if (!credentials) {
        throw new InputError(
          `No Azure DevOps credentials for ${options.organizationUrl}: add integrations.azure with host '${
            new URL(options.organizationUrl).host
          }' and a personalAccessToken, or an Entra clientId (+ clientSecret/tenantId) for dev.azure.com.`,
        );
      }
      kind = credentials.type === 'pat' ? 'pat' : 'bearer';
      token = credentials.token;
    }
    const handler =
      kind === 'pat'
        ? azdev.getPersonalAccessTokenHandler(token)
        : azdev.getBearerHandler(token);
    const requestOptions: IRequestOptions = {
      socketTimeout: timeoutMs,
      // typed-rest-client retries only idempotent verbs, a bounded number of times.
      allowRetries: true,
      maxRetries: 2,
    };
    const headers = {
      Authorization:
        kind === 'pat'
          ? `Basic ${Buffer.from(`:${token}`).toString('base64')}`
          : `Bearer ${token}`,
    };
    return new AzureDevOpsClient(
      options.organizationUrl,
      headers,
      new azdev.WebApi(options.organizationUrl, handler, requestOptions),
      timeoutMs,
    );
  }

  /** Runs an azure-devops-node-api call and turns its failures into our errors. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e: any) {
      if (typeof e?.statusCode === 'number') {
        throw azureDevOpsError({
          status: e.statusCode,
          message: messageOf(e.result, String(e.message ?? '')),
          method: what,
          url: this.organizationUrl,
        });
      }
      if (
        e?.code ||
        /ECONN|ETIMEDOUT|socket|timeout/i.test(String(e?.message))
      ) {
        throw new Error(
          `Could not reach Azure DevOps at ${this.organizationUrl} (${what}): ${
            e.code ?? e.message
          } — check the organization URL and that the Backstage backend can reach it.`,
        );
      }
      throw e;
    }
  }

  private url(path: string, apiVersion = '7.1'): string {
    const sep = path.includes('?') ? '&' : '?';
    return `${this.organizationUrl}/${path}${sep}api-version=${apiVersion}`;
  }

  /** Plain JSON call with an absolute URL (APIs without a node-api client). */
  request<T>(
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
    apiVersion?: string,
  ) {
    return requestJson<T>({
      method,
      url: this.url(path, apiVersion),
      headers: this.headers,
      body,
      timeoutMs: this.timeoutMs,
    });
  }

  /** The bytes of a GET answer (file contents), with the same timeout and errors as `request`. */
  async download(path: string): Promise<Buffer> {
    const url = this.url(path);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/octet-stream', ...this.headers },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new Error(
        `Could not reach Azure DevOps for GET ${url.split('?')[0]}: ${
          (e as Error).name === 'TimeoutError'
            ? `no answer within ${this.timeoutMs} ms`
            : String((e as Error).message)
        } — check the organization URL and that the Backstage backend can reach it.`,
      );
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (res.ok) return body;
    const raw = body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    throw azureDevOpsError({
      status: res.status,
      message: messageOf(json, raw),
      method: 'GET',
      url,
    });
  }

  /**
   * azure-devops-node-api answers a 404 on GET with `null`, dropping Azure
   * DevOps' message. On that (failure-only) path, ask once more with a plain
   * call so the error carries the service's own words.
   */
  private async notFound(path: string, fallback: string): Promise<never> {
    await this.request('GET', path);
    throw new NotFoundError(fallback);
  }

  async getProject(nameOrId: string): Promise<{ id: string; name: string }> {
    const core = await this.call('connect', () => this.connection.getCoreApi());
    const p = await this.call(`get project ${nameOrId}`, () =>
      core.getProject(nameOrId),
    );
    if (!p?.id) {
      return this.notFound(
        `_apis/projects/${encodeURIComponent(nameOrId)}`,
        `Azure DevOps project '${nameOrId}' was not found in ${this.organizationUrl} — check the project name and that the identity in integrations.azure can see it.`,
      );
    }
    return { id: p.id, name: p.name ?? nameOrId };
  }

  async getRepository(project: string, nameOrId: string) {
    const git = await this.call('connect', () => this.connection.getGitApi());
    const r = await this.call(`get repository ${nameOrId}`, () =>
      git.getRepository(nameOrId, project),
    );
    if (!r?.id) {
      return this.notFound(
        `${encodeURIComponent(project)}/_apis/git/repositories/${encodeURIComponent(nameOrId)}`,
        `Repository '${nameOrId}' was not found in project '${project}' of ${this.organizationUrl} — check repositoryName/repositoryId (publish:azure must have run first).`,
      );
    }
    return {
      id: r.id,
      name: r.name ?? nameOrId,
      /** Full ref, e.g. `refs/heads/main`; undefined in an empty repository. */
      defaultBranch: r.defaultBranch,
    };
  }

  private toPipeline(p: PipelinesInterfaces.Pipeline): PipelineInfo {
    return {
      id: p.id!,
      name: p.name ?? '',
      folder: p.folder ?? '\\',
      url: (p as any)._links?.web?.href ?? p.url ?? '',
    };
  }

  /** A pipeline by name and folder (case-insensitive, as the service compares them). */
  async findPipeline(project: string, name: string, folder: string) {
    const api = await this.call('connect', () =>
      this.connection.getPipelinesApi(),
    );
    // The service has no name filter on this API; page size is its maximum.
    const all = await this.call('list pipelines', () =>
      api.listPipelines(project, 'name asc', 10000),
    );
    const hit = (all ?? []).find(
      p =>
        (p.name ?? '').toLowerCase() === name.toLowerCase() &&
        (p.folder ?? '\\').toLowerCase() === folder.toLowerCase(),
    );
    return hit ? this.toPipeline(hit) : undefined;
  }

  async createPipeline(
    project: string,
    input: { name: string; folder: string; path: string; repositoryId: string },
  ): Promise<PipelineInfo> {
    const api = await this.call('connect', () =>
      this.connection.getPipelinesApi(),
    );
    const created = await this.call('create pipeline', () =>
      api.createPipeline(
        {
          name: input.name,
          folder: input.folder,
          configuration: {
            // The service takes the enum's name; the typings declare a number.
            type: 'yaml' as unknown as PipelinesInterfaces.ConfigurationType,
            path: input.path,
            repository: { id: input.repositoryId, type: 'azureReposGit' },
          } as PipelinesInterfaces.CreatePipelineConfigurationParameters,
        },
        project,
      ),
    );
    return this.toPipeline(created);
  }

  async getPipeline(project: string, id: number): Promise<PipelineInfo> {
    const api = await this.call('connect', () =>
      this.connection.getPipelinesApi(),
    );
    const p = await this.call(`get pipeline ${id}`, () =>
      api.getPipeline(project, id),
    );
    if (!p?.id) {
      return this.notFound(
        `${encodeURIComponent(project)}/_apis/pipelines/${id}`,
        `Pipeline ${id} was not found in project '${project}' of ${this.organizationUrl} — check pipelineId.`,
      );
    }
    return this.toPipeline(p);
  }

  private toRun(r: PipelinesInterfaces.Run): RunInfo {
    return {
      id: r.id!,
      url: (r as any)._links?.web?.href ?? r.url ?? '',
      state: enumText(PipelinesInterfaces.RunState as any, r.state),
      result: enumText(PipelinesInterfaces.RunResult as any, r.result),
      ...(r.variables
        ? {
            variables: Object.fromEntries(
              Object.entries(r.variables).map(([k, v]) => [
                k,
                {
                  ...(v.value !== undefined && v.value !== null
                    ? { value: v.value }
                    : {}),
                  ...(v.isSecret !== undefined ? { isSecret: v.isSecret } : {}),
                },
              ]),
            ),
          }
        : {}),
    };
  }

  async runPipeline(
    project: string,
    pipelineId: number,
    input: {
      branch?: string;
      templateParameters?: Record<string, string>;
      variables?: Record<string, { value: string; isSecret?: boolean }>;
    },
  ): Promise<RunInfo> {
    const api = await this.call('connect', () =>
      this.connection.getPipelinesApi(),
    );
    const params: PipelinesInterfaces.RunPipelineParameters = {
      templateParameters: input.templateParameters,
      variables: input.variables,
    };
    if (input.branch) {
      const refName = input.branch.startsWith('refs/')
        ? input.branch
        : `refs/heads/${input.branch}`;
      params.resources = { repositories: { self: { refName } } };
    }
    const run = await this.call('run pipeline', () =>
      api.runPipeline(params, project, pipelineId),
    );
    return this.toRun(run);
  }

  async getRun(
    project: string,
    pipelineId: number,
    runId: number,
  ): Promise<RunInfo> {
    const api = await this.call('connect', () =>
      this.connection.getPipelinesApi(),
    );
    const run = await this.call(`get run ${runId}`, () =>
      api.getRun(project, pipelineId, runId),
    );
    if (!run?.id)
      return this.notFound(
        `${encodeURIComponent(project)}/_apis/pipelines/${pipelineId}/runs/${runId}`,
        `Run ${runId} of pipeline ${pipelineId} was not found.`,
      );
    return this.toRun(run);
  }

  async findVariableGroup(project: string, name: string) {
    const api = await this.call('connect', () =>
      this.connection.getTaskAgentApi(),
    );
    const groups = await this.call('list variable groups', () =>
      api.getVariableGroups(project, name),
    );
    return (groups ?? []).find(
      g => (g.name ?? '').toLowerCase() === name.toLowerCase(),
    );
  }

  async addVariableGroup(params: TaskAgentInterfaces.VariableGroupParameters) {
    const api = await this.call('connect', () =>
      this.connection.getTaskAgentApi(),
    );
    return this.call('create variable group', () =>
      api.addVariableGroup(params),
    );
  }
}
