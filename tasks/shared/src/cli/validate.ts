import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Problem } from '@stagedoor/common';
import {
  catalogPatterns,
  defaultRootFor,
  FailOn,
  formatSarif,
  formatText,
  runValidate,
  toJsonProblems,
} from '../validate';
import type { PullRequestTarget } from '../validate/pullRequest';
import { CliCommand, CliIo, UsageError, textReporter } from './io';
import { version as VERSION } from '../../package.json';
import { VALIDATE_DEFAULTS } from '../validate/defaults';

const USAGE = `Usage: stagedoor validate [paths…] [options]

Validates Backstage catalog files with the rules a real catalog applies, plus extra rules
(references, TechDocs folders, placeholder files, Location targets, Azure DevOps annotations,
policy). Paths are files, folders or globs (default: the current folder); folders are searched
for catalog-info.yaml / catalog-info.yml, and Location targets are followed. Software-template
skeleton files (in a folder a Template fetches, or holding \${{ }} / {% %} templating) are left
out, with one line on stderr saying which.

Options:
  --format text|json|sarif   Output on stdout (default text), on every exit. json: an array of
                             problems {file, line, column, severity, rule, message, entityRef?};
                             when the run cannot happen (exit 2) the array holds one problem with
                             rule stagedoor/usage (bad flags or paths) or stagedoor/input (e.g. a
                             broken policy file), file '' and line 0. sarif: the run's
                             invocations[0].executionSuccessful is false and the error is in its
                             toolExecutionNotifications.
  --pattern <glob>           File pattern below the root instead of the default (repeatable).
  --root <dir>               Repository root; paths are reported relative to it (default: the
                             current folder, or, for a path outside it, that path's repository:
                             the nearest folder above it holding .git, else the path itself).
  --include-template-skeletons
                             Validate template skeleton files too.
  --policy <file>            Policy file (default: <root>/.stagedoor.yaml when it exists).
  --strict                   Report every extra rule as an error.
  --fail-on error|warning|never
                             When the exit code is 1 (default: ${VALIDATE_DEFAULTS.failOn}).
  --no-follow-locations      Do not validate the files Location entities point at.
  --backstage-url <url>      Also look unresolved references up in this Backstage catalog;
                             the token comes from --token or BACKSTAGE_TOKEN.
  --token <token>            Backstage token for --backstage-url.
  --pull-request             In a pull-request build: set the status stagedoor/catalog and keep one
                             comment thread on the pull request (edited in place, resolved when
                             clean; with --backstage-url, what the merge would change in the
                             catalog). Read from the agent's variables, flags override them:
    --pull-request-id <n>      SYSTEM_PULLREQUEST_PULLREQUESTID
    --collection-uri <url>     SYSTEM_COLLECTIONURI (https://dev.azure.com/contoso/)
    --project <name>           SYSTEM_TEAMPROJECT
    --repository <id|name>     BUILD_REPOSITORY_ID, else BUILD_REPOSITORY_NAME
                             The job token comes from SYSTEM_ACCESSTOKEN (map it in the step's
                             env); the run link from BUILD_BUILDID, the dry run's branch and
                             commit from SYSTEM_PULLREQUEST_TARGETBRANCH and BUILD_SOURCEVERSION.
                             Without permission to write to the pull request: one warning.
  --threads <n>              Threads that check files (default: from 200 files on, one more
                             per idle core, at most 4). Same result either way.
  --verbose                  Print debug detail on stderr.

Exit codes: 0 no failing problem, 1 failing problems (see --fail-on), 2 bad usage or input.
`;

interface Flags {
  paths: string[];
  format: 'text' | 'json' | 'sarif';
  patterns: string[];
  root?: string;
  policy?: string;
  strict: boolean;
  failOn: FailOn;
  followLocations: boolean;
  backstageUrl?: string;
  token?: string;
  threads?: number;
  pullRequest: boolean;
  pullRequestId?: string;
  collectionUri?: string;
  project?: string;
  repository?: string;
  verbose: boolean;
  includeTemplateSkeletons: boolean;
}

function parseFlags(args: string[]): Flags {
  const flags: Flags = {
    paths: [],
    format: 'text',
    patterns: [],
    strict: false,
    failOn: VALIDATE_DEFAULTS.failOn,
    followLocations: true,
    verbose: false,
    includeTemplateSkeletons: false,
    pullRequest: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--')))
        throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--format': {
        const f = value();
        if (f !== 'text' && f !== 'json' && f !== 'sarif')
          throw new UsageError(
            `--format must be text, json or sarif (got '${f}')`,
          );
        flags.format = f;
        break;
      }
      case '--pattern':
        flags.patterns.push(value());
        break;
      case '--root':
        flags.root = value();
        break;
      case '--policy':
        flags.policy = value();
        break;
      case '--strict':
        flags.strict = true;
        break;
      case '--fail-on': {
        const f = value();
        if (f !== 'error' && f !== 'warning' && f !== 'never')
          throw new UsageError(
            `--fail-on must be error, warning or never (got '${f}')`,
          );
        flags.failOn = f;
        break;
      }
      case '--no-follow-locations':
        flags.followLocations = false;
        break;
      case '--backstage-url':
        flags.backstageUrl = value();
        break;
      case '--token':
        flags.token = value();
        break;
      case '--threads': {
        const t = value();
        if (!/^[1-9][0-9]*$/.test(t))
          throw new UsageError(
            `--threads must be a whole number from 1 (got '${t}')`,
          );
        flags.threads = Number(t);
        break;
      }
      case '--verbose':
        flags.verbose = true;
        break;
      case '--pull-request':
        flags.pullRequest = true;
        break;
      case '--pull-request-id':
        flags.pullRequestId = value();
        break;
      case '--collection-uri':
        flags.collectionUri = value();
        break;
      case '--project':
        flags.project = value();
        break;
      case '--repository':
        flags.repository = value();
        break;
      case '--include-template-skeletons':
        flags.includeTemplateSkeletons = true;
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        flags.paths.push(arg);
    }
  }
  return flags;
}

/** The --format asked for, read before the flags are checked, so errors come out in it too. */
function requestedFormat(args: string[]): Flags['format'] {
  let format: string | undefined;
  args.forEach((arg, i) => {
    if (arg === '--format') format = args[i + 1];
    else if (arg.startsWith('--format=')) format = arg.slice(9);
  });
  return format === 'json' || format === 'sarif' ? format : 'text';
}

/** Paths given on the command line → patterns below the root (folders get the default names). */
function patternsFor(root: string, cwd: string, flags: Flags): string[] {
  if (flags.paths.length === 0) return flags.patterns;
  try {
    return catalogPatterns(root, flags.paths, {
      cwd,
      mustExist: true,
      folderPatterns: flags.patterns,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** What --format json|sarif prints when the run cannot happen: still a parseable document. */
function errorDocument(
  format: 'json' | 'sarif',
  rule: 'stagedoor/usage' | 'stagedoor/input',
  message: string,
): string {
  if (format === 'sarif') return formatSarif([], VERSION, { rule, message });
  const problem: Problem = {
    file: '',
    line: 0,
    column: 0,
    severity: 'error',
    rule,
    message,
  };
  return `${JSON.stringify([problem], null, 2)}\n`;
}

/** The pull request to report on, from the flags over the agent's variables. */
function pullRequestTarget(
  flags: Flags,
  env: NodeJS.ProcessEnv,
): PullRequestTarget {
  const id = flags.pullRequestId ?? env.SYSTEM_PULLREQUEST_PULLREQUESTID;
  const collectionUri = flags.collectionUri ?? env.SYSTEM_COLLECTIONURI;
  const project = flags.project ?? env.SYSTEM_TEAMPROJECT;
  const repository =
    flags.repository ?? (env.BUILD_REPOSITORY_ID || env.BUILD_REPOSITORY_NAME);
  const missing = [
    ['--pull-request-id or SYSTEM_PULLREQUEST_PULLREQUESTID', id],
    ['--collection-uri or SYSTEM_COLLECTIONURI', collectionUri],
    ['--project or SYSTEM_TEAMPROJECT', project],
    ['--repository or BUILD_REPOSITORY_ID', repository],
  ].filter(([, v]) => !v);
  if (missing.length)
    throw new UsageError(
      `--pull-request needs ${missing.map(([n]) => n).join(', ')}`,
    );
  if (!/^[1-9][0-9]*$/.test(id!))
    throw new UsageError(
      `the pull request id must be a whole number (got '${id}')`,
    );
  const buildId = env.BUILD_BUILDID;
  return {
    collectionUri: collectionUri!,
    project: project!,
    repository: repository!,
    repositoryName: env.BUILD_REPOSITORY_NAME || undefined,
    pullRequestId: Number(id),
    accessToken: env.SYSTEM_ACCESSTOKEN || undefined,
    runUrl: buildId
      ? `${collectionUri!.replace(/\/*$/, '/')}${encodeURIComponent(project!)}/_build/results?buildId=${buildId}`
      : undefined,
    targetBranch: env.SYSTEM_PULLREQUEST_TARGETBRANCH || undefined,
    commit: env.BUILD_SOURCEVERSION || undefined,
  };
}

/** `stagedoor validate`: the validate task's engine for laptops and other CI systems. */
export const validateCommand: CliCommand = {
  name: ['validate'],
  usage: USAGE,
  async run(args, io) {
    const format = requestedFormat(args);
    try {
      return await validate(args, io);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const usage = error instanceof UsageError;
      if (format !== 'text')
        io.stdout(
          errorDocument(
            format,
            usage ? 'stagedoor/usage' : 'stagedoor/input',
            message,
          ),
        );
      if (usage) throw error;
      io.stderr(`stagedoor validate: ${message}\n`);
      return 2;
    }
  },
};

async function validate(args: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(args);
  let root: string;
  if (flags.root !== undefined) {
    root = resolve(io.cwd, flags.root);
    if (!existsSync(root) || !statSync(root).isDirectory())
      throw new UsageError(`--root ${flags.root} is not a folder`);
  } else {
    try {
      root = defaultRootFor(io.cwd, flags.paths);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const token = flags.token ?? io.env.BACKSTAGE_TOKEN;
  if (flags.backstageUrl && !token)
    throw new UsageError('--backstage-url needs --token or BACKSTAGE_TOKEN');
  const target = flags.pullRequest
    ? pullRequestTarget(flags, io.env)
    : undefined;
  const reporter = textReporter(io, {
    verbose: flags.verbose,
    problems: false,
  });
  const backstage = flags.backstageUrl
    ? {
        url: flags.backstageUrl,
        auth: { kind: 'token' as const, token: token! },
      }
    : undefined;
  const run = await runValidate(
    {
      root,
      patterns: patternsFor(root, io.cwd, flags),
      followLocations: flags.followLocations,
      policyFile: flags.policy
        ? relative(root, resolve(io.cwd, flags.policy))
        : undefined,
      strict: flags.strict,
      failOn: flags.failOn,
      checkReferences: Boolean(flags.backstageUrl),
      backstage,
      threads: flags.threads,
      includeTemplateSkeletons: flags.includeTemplateSkeletons,
    },
    reporter,
  );
  if (target) {
    const { pullRequestFeedback } = await import('../validate/pullRequest.js');
    await pullRequestFeedback(run, root, target, { backstage }, reporter);
  }
  const problems: Problem[] = run.result.problems;
  if (flags.format === 'json')
    io.stdout(`${JSON.stringify(toJsonProblems(problems), null, 2)}\n`);
  else if (flags.format === 'sarif') io.stdout(formatSarif(problems, VERSION));
  else io.stdout(formatText(problems));
  return run.outcome === 'Failed' ? 1 : 0;
}
