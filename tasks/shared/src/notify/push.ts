import type { Problem, PushRequest } from '@stagedoor/common';
import type { Reporter } from '../reporter';
import type { BackstageApi } from './api';
import { SILENCED_RULES, type RepositoryFile } from './files';
import type { NotifyOptions } from './options';
import { PhaseError, type PhaseOutcome } from './result';
import { waitForPush } from './wait';
import { judgeProcessing } from './processing';
import { entityPageUrl } from './summary';

const key = (p: Problem) =>
  `${p.file}:${p.line}:${p.column}:${p.rule}:${p.message}`;

/**
 * Push mode: send the files, report the changes, wait for processing. `problems` are the
 * ones found locally; the outcome's `problems` adds the server's new ones. A failure while
 * waiting is a {@link PhaseError} that still carries what was pushed.
 */
export async function pushFiles(
  api: BackstageApi,
  options: NotifyOptions,
  files: RepositoryFile[],
  problems: Problem[],
  deadline: number,
  reporter: Reporter,
): Promise<PhaseOutcome> {
  const s = options.source;
  const request: PushRequest = {
    source: {
      organizationUrl: s.organizationUrl,
      project: s.project,
      repositoryName: s.repositoryName,
      repositoryId: s.repositoryId || undefined,
      branch: s.branch,
      commit: s.commit,
      buildId: s.buildId,
      buildUrl: s.buildUrl,
      commitTime: s.commitTime,
    },
    // Valid UTF-8 here: local validation has rejected anything else.
    files: files.map(f => ({
      path: f.path,
      content: f.content.toString('utf8'),
    })),
  };
  reporter.info(
    `${options.dryRun ? 'Dry run: asking' : 'Pushing'} ${files.length} file(s) to ${options.connection.url} …`,
  );
  const response = await api.push(request, options.dryRun);
  const seen = new Set(problems.map(key));
  const fromServer = response.problems.filter(
    problem =>
      !seen.has(key(problem)) && !SILENCED_RULES.includes(problem.rule),
  );
  for (const problem of fromServer) reporter.problem(problem);
  // The server's lists are the truth about which entities exist (a relative Location,
  // for one, is resolved into its targets rather than kept as an entity).
  const appBaseUrl = options.appBaseUrl ?? options.connection.url;
  const pushed: PhaseOutcome = {
    sourceKey: response.sourceKey,
    commit: response.commit,
    applied: response.applied,
    added: response.added,
    updated: response.updated,
    removed: response.removed,
    unchanged: response.unchanged,
    problems: [...problems, ...fromServer],
    entities: [
      ...response.added,
      ...response.updated,
      ...response.unchanged,
    ].map(ref => ({
      ref,
      url: entityPageUrl(appBaseUrl, ref),
    })),
  };
  const counts =
    `${response.added.length} added, ${response.updated.length} updated, ` +
    `${response.removed.length} removed, ${response.unchanged.length} unchanged`;
  for (const [label, refs] of [
    ['Added', response.added],
    ['Updated', response.updated],
    ['Removed', response.removed],
  ] as const) {
    if (refs.length > 0)
      reporter.info(
        `${options.dryRun ? `Would be ${label.toLowerCase()}` : label}: ${refs.join(', ')}`,
      );
  }
  if (options.dryRun) {
    const message = response.removesAllEntities
      ? `Dry run: ${counts}; this push would remove every entity of ${response.sourceKey}; nothing was changed.`
      : `Dry run: ${counts}; nothing was changed.`;
    reporter.info(message);
    return { ...pushed, status: 'succeeded', message };
  }
  if (!response.applied)
    reporter.info(
      `Commit ${response.commit} was already pushed; nothing changed.`,
    );
  const done = `Pushed ${response.sourceKey} at ${response.commit.slice(0, 12)}: ${counts}`;
  if (!options.waitForProcessing) {
    const message = `${done}.`;
    reporter.info(message);
    return { ...pushed, status: 'succeeded', message };
  }
  reporter.info(`${done}. Waiting for the catalog to process the entities …`);
  try {
    const { states, timedOut } = await waitForPush(
      api,
      response.sourceKey,
      response.commit,
      deadline,
      reporter,
      options.http?.pollIntervalMs,
    );
    return {
      ...pushed,
      ...judgeProcessing(options, states, timedOut, done, reporter),
    };
  } catch (error) {
    throw new PhaseError(error, pushed);
  }
}
