import {
  hasErrors,
  type Problem,
  type ValidatedEntity,
} from '@stagedoor/common';
import { backstageToken } from '../auth';
import { ConflictHttpError, UnprocessableHttpError } from '../backstage';
import { HttpError } from '../http';
import type { Reporter } from '../reporter';
import { BackstageApi } from './api';
import { skippedSkeletonsLine } from '../validate';
import { findCatalogFiles, validateRepositoryFiles } from './files';
import { decideGate, resolveDefaultBranch } from './gate';
import { removeSource } from './offboard';
import type { NotifyOptions } from './options';
import { pushFiles } from './push';
import { refreshEntities } from './refresh';
import { PhaseError, type NotifyResult } from './result';
import { entityPageUrl } from './summary';

/**
 * The notify core behind `BackstageCatalogNotify@1` and `stagedoor push|refresh`:
 * gate on branch and pull request, find and validate the files locally, then push them
 * (or ask for a refresh) and wait for the catalog. Never throws for failures users can
 * fix: they come back as `status: 'failed'` with a message, already reported.
 */
export async function runNotify(
  options: NotifyOptions,
  reporter: Reporter,
): Promise<NotifyResult> {
  // Each phase returns what it adds; the run's result is rebuilt from those, never mutated.
  let result: NotifyResult = {
    status: 'failed',
    mode: options.mode,
    dryRun: options.dryRun,
    message: '',
    added: [],
    updated: [],
    removed: [],
    unchanged: [],
    refreshed: [],
    problems: [],
    entities: [],
  };
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  let validated: ValidatedEntity[] = [];
  try {
    const s = options.source;
    const isPullRequest =
      s.reason === 'PullRequest' || s.branch.startsWith('refs/pull/');
    const defaultBranch =
      options.branchFilter === 'default' && !isPullRequest
        ? await resolveDefaultBranch(s, reporter)
        : undefined;
    const gate = decideGate({
      ...options,
      branch: s.branch,
      reason: s.reason,
      defaultBranch,
    });
    if (!gate.act) {
      reporter.info(gate.reason);
      return { ...result, status: 'skipped', message: gate.reason };
    }

    const files = await findCatalogFiles(
      options.rootDirectory,
      options.catalogFiles,
      options.paths,
      {
        includeTemplateSkeletons: options.includeTemplateSkeletons,
        onSkipped: skipped => reporter.info(skippedSkeletonsLine(skipped)),
      },
    );
    if (files.length === 0) {
      const message = `No catalog files found (${options.catalogFiles.join(', ')}); nothing to ${options.mode}.`;
      if (options.mode === 'push' && options.removeWhenNoFiles) {
        const api = await connect(options, deadline, reporter);
        return {
          ...result,
          ...(await removeSource(api, options, message, reporter)),
        };
      }
      reporter.info(message);
      return { ...result, status: 'no-files', message };
    }
    reporter.info(
      `Found ${files.length} catalog file(s): ${files.map(f => f.path).join(', ')}`,
    );
    const validation = validateRepositoryFiles(options.rootDirectory, files);
    for (const problem of validation.problems) reporter.problem(problem);
    result = { ...result, problems: validation.problems };
    if (hasErrors(validation.problems)) {
      const count = validation.problems.filter(
        p => p.severity === 'error',
      ).length;
      const message = `${count} error(s) in the catalog files; nothing was sent to Backstage. Fix them and run again.`;
      reporter.error(message);
      return { ...result, message, error: { kind: 'validation', message } };
    }
    validated = validation.entities;
    const appBaseUrl = options.appBaseUrl ?? options.connection.url;
    result = {
      ...result,
      entities: validation.entities.map(e => ({
        ref: e.ref,
        url: entityPageUrl(appBaseUrl, e.ref),
      })),
    };

    const api = await connect(options, deadline, reporter);
    const outcome =
      options.mode === 'push'
        ? await pushFiles(
            api,
            options,
            files,
            result.problems,
            deadline,
            reporter,
          )
        : await refreshEntities(
            api,
            options,
            validation.entities,
            deadline,
            reporter,
          );
    return { ...result, ...outcome };
  } catch (error) {
    // A phase that failed part-way still reports what it did (entities pushed, refreshes).
    if (error instanceof PhaseError) {
      return fail(
        { ...result, ...error.progress },
        error.failure,
        reporter,
        validated,
      );
    }
    return fail(result, error, reporter, validated);
  }
}

/** A token for the connection and the retrying client, within the run's budget. */
async function connect(
  options: NotifyOptions,
  deadline: number,
  reporter: Reporter,
): Promise<BackstageApi> {
  const token = await backstageToken(options.connection, {
    timeoutMs: Math.min(60_000, deadline - Date.now()),
  });
  reporter.secret(token.token);
  reporter.debug(`Calling Backstage as ${token.principal}`);
  return new BackstageApi({
    baseUrl: options.connection.url,
    token: token.token,
    principal: token.principal,
    requestTimeoutMs: options.http?.requestTimeoutMs ?? 30_000,
    budgetMs: Math.max(1_000, deadline - Date.now()),
    retry: options.http?.retry,
    userAgent: 'stagedoor-notify',
    onRetry: r =>
      reporter.warn(
        `${r.reason} from ${r.url}; retrying in ${(r.delayMs / 1000).toFixed(1)} s (attempt ${r.attempt + 1}).`,
      ),
  });
}

function fail(
  result: NotifyResult,
  error: unknown,
  reporter: Reporter,
  entities: ValidatedEntity[],
): NotifyResult {
  const problems =
    error instanceof UnprocessableHttpError
      ? error.problems
      : error instanceof ConflictHttpError
        ? conflictProblems(error, entities)
        : [];
  for (const problem of problems) reporter.problem(problem);
  const message = error instanceof Error ? error.message : String(error);
  const kind = error instanceof HttpError ? error.kind : 'error';
  reporter.error(message);
  return {
    ...result,
    problems: [...result.problems, ...problems],
    status: 'failed',
    message,
    error: { kind, message },
  };
}

/** Each entity another source (or a location) owns, as an error at its place in the files. */
function conflictProblems(
  error: ConflictHttpError,
  entities: ValidatedEntity[],
): Problem[] {
  return error.conflicts.flatMap(conflict => {
    const entity = entities.find(e => e.ref === conflict.entityRef);
    if (!entity) return [];
    const owner = conflict.owner
      ? `${conflict.ownerType === 'location' ? 'the location' : 'the source'} ${conflict.owner}`
      : `another ${conflict.ownerType ?? 'source'}`;
    return [
      {
        file: entity.file,
        line: entity.line,
        column: entity.column,
        severity: 'error' as const,
        rule: 'push/ownership-conflict',
        entityRef: entity.ref,
        message: `${entity.ref} already belongs to ${owner} in the catalog; rename the entity or remove it there first.`,
      },
    ];
  });
}
