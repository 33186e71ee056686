import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { runTask, type AgentEndpoint, type TaskRun } from '../fixtures/agent';
import {
  TOKEN,
  startNotifyBackend,
  type NotifyBackend,
  type NotifyBackendOptions,
} from './backend';
import { buildVariables, removeRepos } from './repo';

const root = resolve(__dirname, '..', '..');

let built = false;

/** Bundles the tasks once per test run (serialised with other builds, which wipe dist/). */
export function buildTasks() {
  if (built) return;
  built = true;
  execFileSync(
    'flock',
    [
      '/tmp/stagedoor-build.lock',
      process.execPath,
      join(root, 'scripts/build.mjs'),
    ],
    { stdio: 'inherit' },
  );
}

/** A Backstage service connection with a static token, as the agent hands it over. */
export function tokenEndpoint(
  url: string,
  token = TOKEN,
): Record<string, AgentEndpoint> {
  return {
    'backstage-prod': {
      url,
      scheme: 'Token',
      parameters: { apitoken: token },
      data: { authenticationMethod: 'token' },
    },
  };
}

/** The notify task's folder below tasks/. */
export const NOTIFY_TASK = 'BackstageCatalogNotifyV1';

export interface NotifyTaskOptions {
  /** Inputs over `backstageConnection: 'backstage-prod'`. */
  inputs?: Record<string, string>;
  /** The static token of the service connection. Default: the backend's. */
  token?: string;
  /** `System.AccessToken`. */
  systemAccessToken?: string;
  /** Kill the task after this long. Default: runTask's. */
  timeoutMs?: number;
}

/**
 * Runs the bundled notify task the way the agent runs it: the `backstage-prod` token
 * connection to `url`, `repo` checked out as the sources of `build` (a repository name,
 * for a fresh main-branch CI build of it, or the pipeline variables).
 */
export function runNotifyTask(
  url: string,
  repo: string,
  build: string | Record<string, string>,
  options: NotifyTaskOptions = {},
): Promise<TaskRun> {
  return runTask(NOTIFY_TASK, {
    inputs: { backstageConnection: 'backstage-prod', ...options.inputs },
    endpoints: tokenEndpoint(url, options.token),
    variables: typeof build === 'string' ? buildVariables(build) : build,
    systemAccessToken: options.systemAccessToken,
    sourcesDirectory: repo,
    timeoutMs: options.timeoutMs,
  });
}

/**
 * The suite's backend: the tasks are bundled and the backend started before the suite;
 * after it, the backend stops and the temporary repositories go. `use` receives the backend.
 * Call inside `describe`, after any `after` hook that must run before the backend stops.
 */
export function withNotifyBackend(
  use: (backend: NotifyBackend) => void,
  options?: () => NotifyBackendOptions,
) {
  let backend: NotifyBackend | undefined;
  before(async () => {
    buildTasks();
    backend = await startNotifyBackend(options?.());
    use(backend);
  });
  after(async () => {
    await backend?.stop();
    removeRepos();
  });
}

let commit = 0x7000;

/**
 * `stagedoor push|refresh` flags for `url` and a main-branch build of `repository` in
 * contoso/shop, with a fresh commit and a build id above those of {@link buildVariables}
 * (so a CLI push after a task push of the same source is never the older one).
 */
export function pushFlags(
  url: string,
  repository: string,
  token = TOKEN,
): string[] {
  return ['--url', url, '--token', token, ...sourceFlags(repository)];
}

/** {@link pushFlags} without the URL and the token. */
export function sourceFlags(repository: string): string[] {
  ++commit;
  return [
    '--organization',
    'https://dev.azure.com/contoso',
    '--project',
    'shop',
    '--repository',
    repository,
    '--branch',
    'refs/heads/main',
    '--commit',
    commit.toString(16).padStart(40, 'd'),
    '--build-id',
    String(commit),
  ];
}
