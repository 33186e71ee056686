import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CliCommand, CliIo, UsageError, textReporter } from './io';
import {
  exitCodeOf,
  normalizeNotifyOptions,
  NOTIFY_DEFAULTS,
  runNotify,
  sourceFromVariables,
  buildRunUrl,
  type NotifyOptions,
} from '../notify';
import { envName } from '../notify/env';
import { catalogPatterns, defaultRootFor } from '../validate/discover';

const FLAGS = `
Options:
  --url <url>            Backstage base URL (env STAGEDOOR_URL)
  --token <token>        Bearer token for Backstage (env STAGEDOOR_TOKEN)
  --organization <url>   Organization URL, e.g. https://dev.azure.com/contoso (env SYSTEM_COLLECTIONURI)
  --project <name>       Team project (env SYSTEM_TEAMPROJECT)
  --repository <name>    Repository name (env BUILD_REPOSITORY_NAME)
  --branch <ref>         Branch, e.g. refs/heads/main (env BUILD_SOURCEBRANCH; default: the checkout's)
  --commit <sha>         Commit the files were read at (env BUILD_SOURCEVERSION; default: the checkout's HEAD)
  --build-id <n>         Build id, orders pushes (env BUILD_BUILDID)
  --root <dir>           Repository root (default: the current directory, or, for a path outside
                         it, that path's repository: the nearest folder above it holding .git)
  --files <globs>        Comma-separated globs, files or folders (default: ${NOTIFY_DEFAULTS.catalogFiles.join(',\n                         ')}); what a folder given as a path is searched for
  --include-template-skeletons  Also send software-template skeleton files (left out by default)
  --branch-filter <f>    default | * | comma-separated branches (default: *)
  --timeout <seconds>    Time budget for sending and waiting (default ${NOTIFY_DEFAULTS.timeoutSeconds})
  --app-url <url>        Backstage frontend URL for entity links (default: --url)
  --no-wait              Do not wait for the catalog to process the entities
  --warn-on-processing-errors  Processing errors do not fail the run
  --dry-run              Show what would change without changing anything
  --keep-when-no-files   push: when no catalog files are found, leave the source's entities in the
                         catalog (by default they are removed: the repository left the catalog)
  --format text|json     json prints the result (added, updated, removed, unchanged, problems)
Exit codes: 0 everything applied (and processed, when waiting) or nothing to do; 1 failed; 2 bad usage.
`;

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        organization: { type: 'string' },
        project: { type: 'string' },
        repository: { type: 'string' },
        branch: { type: 'string' },
        commit: { type: 'string' },
        'build-id': { type: 'string' },
        root: { type: 'string' },
        files: { type: 'string' },
        'branch-filter': { type: 'string' },
        timeout: { type: 'string' },
        'app-url': { type: 'string' },
        'no-wait': { type: 'boolean' },
        'warn-on-processing-errors': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'keep-when-no-files': { type: 'boolean' },
        format: { type: 'string' },
        'include-template-skeletons': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function run(
  mode: 'push' | 'refresh',
  args: string[],
  io: CliIo,
): Promise<number> {
  const { values, positionals } = parse(args);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json')
    throw new UsageError(`--format must be text or json (got '${format}')`);
  const env = (name: string) => io.env[envName(name)] || undefined;
  const url = values.url ?? io.env.STAGEDOOR_URL;
  const token = values.token ?? io.env.STAGEDOOR_TOKEN;
  if (!url)
    throw new UsageError(
      'give the Backstage base URL with --url or STAGEDOOR_URL',
    );
  if (!token)
    throw new UsageError('give a token with --token or STAGEDOOR_TOKEN');
  // Paths are files, folders or globs, as for `stagedoor validate`, read from the working folder.
  const paths = positionals.map(p =>
    p.startsWith('!') ? `!${resolve(io.cwd, p.slice(1))}` : resolve(io.cwd, p),
  );
  let root: string;
  try {
    root =
      values.root !== undefined
        ? resolve(io.cwd, values.root)
        : defaultRootFor(io.cwd, positionals);
    // A path that is not there is bad usage (exit 2), as for `stagedoor validate`.
    if (paths.length) catalogPatterns(root, paths, { mustExist: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const source = sourceFromVariables(env);
  source.organizationUrl = values.organization ?? source.organizationUrl;
  source.project = values.project ?? source.project;
  source.repositoryName = values.repository ?? source.repositoryName;
  source.branch = values.branch ?? source.branch;
  source.commit = values.commit ?? source.commit;
  if (!source.branch || !source.commit) {
    // On a laptop: the checkout itself says which branch and commit the files are at.
    const git = localGit(root);
    source.branch ||= git.branch ?? '';
    if (!source.commit && git.commit) {
      source.commit = git.commit;
      // Without a build id, the server orders pushes of a source by commit time.
      source.commitTime = git.commitTime;
    }
  }

  if (values['build-id'] !== undefined) {
    if (!/^\d+$/.test(values['build-id']))
      throw new UsageError('--build-id must be a whole number');
    source.buildId = Number(values['build-id']);
  }
  source.buildUrl =
    buildRunUrl(source.organizationUrl, source.project, source.buildId) ??
    source.buildUrl;
  source.systemAccessToken = env('System.AccessToken');
  const timeoutSeconds =
    values.timeout === undefined ? undefined : Number(values.timeout);
  let options: NotifyOptions;
  try {
    options = normalizeNotifyOptions({
      mode,
      connection: { url, auth: { kind: 'token', token } },
      rootDirectory: root,
      catalogFiles: values.files
        ?.split(',')
        .map(s => s.trim())
        .filter(Boolean),
      paths,
      includeTemplateSkeletons: values['include-template-skeletons'] ?? false,
      source,
      waitForProcessing: !values['no-wait'],
      failOnProcessingErrors: !values['warn-on-processing-errors'],
      timeoutSeconds,
      branchFilter: values['branch-filter'] ?? '*',
      runOnPullRequests: true,
      dryRun: values['dry-run'] ?? false,
      removeWhenNoFiles: !values['keep-when-no-files'],
      appBaseUrl: values['app-url'],
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const reporter = textReporter(io, {
    verbose: Boolean(io.env.STAGEDOOR_VERBOSE),
  });
  reporter.secret(token);
  const result = await runNotify(options, reporter);
  if (format === 'json') io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  return exitCodeOf(result);
}

export const pushCommand: CliCommand = {
  name: ['push'],
  usage: `Usage: stagedoor push [paths…] --url <Backstage URL> --token <token> --organization <org URL> --project <name> --repository <name> [--branch …] [--commit …] [--build-id …] [--no-wait] [--dry-run] [--format text|json]\n${FLAGS}`,
  run: (args, io) => run('push', args, io),
};

export const refreshCommand: CliCommand = {
  name: ['refresh'],
  usage: `Usage: stagedoor refresh [paths…] --url <Backstage URL> --token <token> [--organization …] [--project …] [--repository …]\n${FLAGS}`,
  run: (args, io) => run('refresh', args, io),
};

/** Branch, commit and committer date of a local git checkout; empty outside one. */
function localGit(dir: string): {
  branch?: string;
  commit?: string;
  commitTime?: string;
} {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', ['-C', dir, ...args], {
        encoding: 'utf8',
        timeout: 5_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  };
  const branch = git('symbolic-ref', '--short', '-q', 'HEAD');
  return {
    branch: branch ? `refs/heads/${branch}` : undefined,
    commit: git('rev-parse', 'HEAD'),
    commitTime: git('show', '-s', '--format=%cI', 'HEAD'),
  };
}
