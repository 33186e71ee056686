import type { BackstageConnection } from '../auth/types';
import type { RetryPolicy } from '../http';
import { DEFAULT_CATALOG_PATTERNS } from '../validate';

/** Where the files come from: the pipeline's variables (or CLI flags) as plain data. */
export interface SourceInfo {
  /** System.CollectionUri, e.g. `https://dev.azure.com/contoso/`. */
  organizationUrl: string;
  /** System.TeamProject. */
  project: string;
  /** Build.Repository.Name. */
  repositoryName: string;
  /** Build.Repository.ID. */
  repositoryId?: string;
  /** Build.Repository.Uri. */
  repositoryUri?: string;
  /** Build.SourceBranch, e.g. `refs/heads/main` or `refs/pull/12/merge`. */
  branch: string;
  /** Build.SourceVersion. */
  commit: string;
  /** Build.BuildId. */
  buildId?: number;
  /** Committer date of `commit` (ISO 8601): orders pushes that carry no build id. */
  commitTime?: string;
  /** Link to the run: `{collection}{project}/_build/results?buildId={id}`. */
  buildUrl?: string;
  /** Build.Reason: `PullRequest` marks a pull-request build. */
  reason?: string;
  /** The repository's default branch, when known (e.g. `refs/heads/main`). */
  defaultBranch?: string;
  /** System.AccessToken, to look the default branch up when it is not given. */
  systemAccessToken?: string;
}

/** Everything `runNotify` needs; the task reads it from inputs, the CLI from flags. */
export interface NotifyOptions {
  /** `push` (default) sends the files; `refresh` asks the catalog to re-read them. */
  mode: 'push' | 'refresh';
  connection: BackstageConnection;
  /** Repository root; file paths are reported relative to it. */
  rootDirectory: string;
  /** Globs, files or folders of catalog files below the root. */
  catalogFiles: string[];
  /** Explicit files, folders or globs (CLI arguments); must exist and replace the globs when given. */
  paths?: string[];
  /** Also send software-template skeleton files (left out by default, with one line saying so). */
  includeTemplateSkeletons?: boolean;
  source: SourceInfo;
  /** Wait until the catalog has processed every entity. Default true. */
  waitForProcessing: boolean;
  /** Time budget for sending and waiting, in seconds. Default 300. */
  timeoutSeconds: number;
  /** Processing errors fail the run (true) or only warn (false). Default true. */
  failOnProcessingErrors: boolean;
  /**
   * Branches to act on: `default` (the repository's default branch), `*` (all), or
   * comma-separated names or globs (`main, release/*`).
   */
  branchFilter: string;
  /** Act on pull-request builds too. Default false. */
  runOnPullRequests: boolean;
  /** Ask what would change without changing anything. */
  dryRun: boolean;
  /**
   * Push mode: when no catalog files are found, remove the entities the source (this
   * repository and branch) still has in the catalog. Default true.
   */
  removeWhenNoFiles: boolean;
  /** Base URL of the Backstage frontend, for entity links. Default: the connection URL. */
  appBaseUrl?: string;
  /** Tuning of the HTTP client (tests use short delays). */
  http?: {
    requestTimeoutMs?: number;
    retry?: Partial<RetryPolicy>;
    pollIntervalMs?: number;
  };
}

/** The validate task's defaults: `catalog-info.yaml`/`.yml` anywhere. */
export const DEFAULT_CATALOG_FILES = DEFAULT_CATALOG_PATTERNS;

/**
 * The notify task's defaults, stated once: the normaliser fills them in, the task's
 * entry leaves unset inputs undefined, the CLI help quotes them, and a test checks that
 * `task.json` declares the same `defaultValue`s.
 */
export const NOTIFY_DEFAULTS = {
  mode: 'push',
  catalogFiles: DEFAULT_CATALOG_FILES,
  includeTemplateSkeletons: false,
  waitForProcessing: true,
  timeoutSeconds: 300,
  failOnProcessingErrors: true,
  branchFilter: 'default',
  runOnPullRequests: false,
  dryRun: false,
  removeWhenNoFiles: true,
} as const satisfies Partial<NotifyOptions>;

/** Fills defaults and rejects options that cannot work, naming the input to fix. */
export function normalizeNotifyOptions(
  partial: Partial<NotifyOptions> &
    Pick<NotifyOptions, 'connection' | 'source'>,
): NotifyOptions {
  const mode = partial.mode ?? NOTIFY_DEFAULTS.mode;
  if (mode !== 'push' && mode !== 'refresh') {
    throw new Error(`mode must be 'push' or 'refresh' (got '${String(mode)}')`);
  }
  const timeoutSeconds =
    partial.timeoutSeconds ?? NOTIFY_DEFAULTS.timeoutSeconds;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new Error(
      `timeoutSeconds must be a positive number of seconds (got '${String(partial.timeoutSeconds)}')`,
    );
  }
  const source = partial.source;
  const missing = (
    [
      ['organizationUrl', 'System.CollectionUri / --organization'],
      ['project', 'System.TeamProject / --project'],
      ['repositoryName', 'Build.Repository.Name / --repository'],
      ['branch', 'Build.SourceBranch / --branch'],
      ['commit', 'Build.SourceVersion / --commit'],
    ] as const
  ).filter(([key]) => !source[key]);
  if (mode === 'push' && missing.length > 0) {
    throw new Error(
      `The push source is incomplete; set ${missing.map(([, where]) => where).join(', ')}.`,
    );
  }
  if (!partial.connection.url) {
    throw new Error(
      'backstageConnection has no URL: set the Backstage base URL on the service connection (or --url).',
    );
  }
  return {
    mode,
    connection: partial.connection,
    rootDirectory: partial.rootDirectory ?? process.cwd(),
    catalogFiles: partial.catalogFiles?.length
      ? partial.catalogFiles
      : [...NOTIFY_DEFAULTS.catalogFiles],
    paths: partial.paths,
    includeTemplateSkeletons:
      partial.includeTemplateSkeletons ??
      NOTIFY_DEFAULTS.includeTemplateSkeletons,
    source,
    waitForProcessing:
      partial.waitForProcessing ?? NOTIFY_DEFAULTS.waitForProcessing,
    timeoutSeconds,
    failOnProcessingErrors:
      partial.failOnProcessingErrors ?? NOTIFY_DEFAULTS.failOnProcessingErrors,
    branchFilter: partial.branchFilter?.trim() || NOTIFY_DEFAULTS.branchFilter,
    runOnPullRequests:
      partial.runOnPullRequests ?? NOTIFY_DEFAULTS.runOnPullRequests,
    dryRun: partial.dryRun ?? NOTIFY_DEFAULTS.dryRun,
    removeWhenNoFiles:
      partial.removeWhenNoFiles ?? NOTIFY_DEFAULTS.removeWhenNoFiles,
    appBaseUrl: partial.appBaseUrl,
    http: partial.http,
  };
}
