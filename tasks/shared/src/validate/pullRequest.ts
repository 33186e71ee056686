/**
 * Pull-request feedback of the validate task and `stagedoor validate --pull-request`: a
 * status (`stagedoor/catalog`) and ONE comment thread on the pull request, found again on
 * every run by a hidden marker in its first comment and edited in place, with the problems
 * and, given a Backstage connection, what the merge would change in the live catalog (the
 * push module's dry run). Azure DevOps calls follow the Git REST API 7.1
 * (`git-git.json`); a build identity that may not write to pull requests gets one warning,
 * never a failed build.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  PUSH_API_PATH,
  pushResponseSchema,
  type Problem,
  type PushResponse,
} from '@stagedoor/common';
import type { BackstageConnection } from '../auth/types';
import { BackstageHttpClient } from '../backstage';
import { HttpClient, HttpError, serverMessage } from '../http';
import type { Reporter } from '../reporter';
import type { ValidateRunResult } from './run';

/** The first line of the thread's first comment: how a later run finds the thread again. */
export const THREAD_MARKER = '<!-- stagedoor:catalog-validation -->';
/** The status context: genre and name, as branch policies show `stagedoor/catalog`. */
export const STATUS_CONTEXT = { genre: 'stagedoor', name: 'catalog' };
const API_VERSION = '7.1';
/** Problems listed in the thread; the rest are counted (a comment holds at most 150,000 characters). */
const MAX_ROWS = 100;

/** Where the pull request lives and how to reach it (agent variables in the task, flags in the CLI). */
export interface PullRequestTarget {
  /** System.CollectionUri, e.g. `https://dev.azure.com/contoso/`. */
  collectionUri: string;
  /** System.TeamProject. */
  project: string;
  /** Build.Repository.ID (or its name). */
  repository: string;
  /** Build.Repository.Name: the repository in the push source of the dry run. */
  repositoryName?: string;
  /** System.PullRequest.PullRequestId. */
  pullRequestId: number;
  /** System.AccessToken (the job's token). */
  accessToken?: string;
  /** Link to the run: `{collection}{project}/_build/results?buildId={id}`. */
  runUrl?: string;
  /** System.PullRequest.TargetBranch: the branch the merge changes, so the source the dry run asks about. */
  targetBranch?: string;
  /** Build.SourceVersion: the commit validated (the merge commit of a PR build). */
  commit?: string;
}

/** The dry run's answer, or why there is none. */
export type CatalogDiff =
  | { kind: 'diff'; url: string; response: PushResponse }
  | { kind: 'none'; reason: string };

export interface FeedbackOptions {
  /** Backstage, for the dry-run diff. */
  backstage?: BackstageConnection;
  /** One request's timeout. Default 20 s. */
  timeoutMs?: number;
}

export interface FeedbackResult {
  /** Whether the status and the thread were written. */
  posted: boolean;
  threadId?: number;
  threadStatus: 'active' | 'closed';
  diff: CatalogDiff;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const cell = (text: string) =>
  text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The thread's Markdown: marker, verdict, problems, the catalog diff, the run. */
export function threadMarkdown(
  run: ValidateRunResult,
  diff: CatalogDiff,
  target: Pick<PullRequestTarget, 'runUrl' | 'commit'>,
): string {
  const lines = [THREAD_MARKER];
  const { errors, warnings } = run;
  lines.push(
    errors + warnings === 0
      ? `### ✅ Backstage catalog: ${plural(run.files.length, 'file')} valid`
      : `### ${errors ? '❌' : '⚠️'} Backstage catalog: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`,
    '',
    run.message,
  );
  if (run.result.problems.length > 0) {
    lines.push(
      '',
      '| | Where | Problem and how to fix it | Rule |',
      '|---|---|---|---|',
      ...run.result.problems
        .slice(0, MAX_ROWS)
        .map(
          (p: Problem) =>
            `| ${p.severity === 'error' ? '❌ error' : '⚠️ warning'} | \`${cell(p.file)}:${p.line}\` | ${cell(p.message)} | \`${p.rule}\` |`,
        ),
    );
  }
  if (run.result.problems.length > MAX_ROWS)
    lines.push(
      '',
      `_…and ${run.result.problems.length - MAX_ROWS} more: every problem is in the run's log and summary._`,
    );
  lines.push('', '#### What this merge would change in the catalog', '');
  if (diff.kind === 'none') {
    lines.push(`_${diff.reason}_`);
  } else {
    const r = diff.response;
    const list = (refs: string[]) =>
      refs.length ? refs.map(ref => `\`${ref}\``).join(', ') : '—';
    lines.push(
      `Dry run against ${diff.url} for \`${r.sourceKey}\`:`,
      '',
      `- **Added** (${r.added.length}): ${list(r.added)}`,
      `- **Changed** (${r.updated.length}): ${list(r.updated)}`,
      `- **Removed** (${r.removed.length}): ${list(r.removed)}`,
      `- Unchanged: ${r.unchanged.length}`,
      '',
      '_The dry run names the entities that change, not which of their fields._',
    );
  }
  const footer = [
    target.runUrl ? `[Pipeline run](${target.runUrl})` : undefined,
    target.commit ? `commit \`${target.commit.slice(0, 12)}\`` : undefined,
  ].filter(Boolean);
  if (footer.length)
    lines.push(
      '',
      `<sub>${footer.join(' · ')} · updated in place on every run</sub>`,
    );
  return `${lines.join('\n')}\n`;
}

/** Asks the push module what pushing these files for the target branch would change. */
export async function catalogDryRun(
  run: ValidateRunResult,
  root: string,
  target: PullRequestTarget,
  options: FeedbackOptions,
  reporter: Reporter,
): Promise<CatalogDiff> {
  const connection = options.backstage;
  if (!connection)
    return {
      kind: 'none',
      reason:
        'Not asked: the step has no Backstage service connection (backstageConnection).',
    };
  if (run.errors > 0)
    return {
      kind: 'none',
      reason: 'Not asked while the files have errors: fix them first.',
    };
  const missing = [
    ['System.PullRequest.TargetBranch', target.targetBranch],
    ['Build.SourceVersion', target.commit],
    ['Build.Repository.Name', target.repositoryName],
  ].filter(([, v]) => !v);
  if (missing.length)
    return {
      kind: 'none',
      reason: `Not asked: ${missing.map(([n]) => n).join(', ')} not set.`,
    };
  try {
    const timeoutMs = options.timeoutMs ?? 20_000;
    // Loaded here only: Entra tokens pull in the Azure SDKs.
    const { backstageToken } = await import('../auth/backstage.js');
    const { token, principal } = await backstageToken(connection, {
      timeoutMs,
    });
    reporter.secret(token);
    const client = new BackstageHttpClient({
      baseUrl: connection.url,
      token,
      principal,
      requestTimeoutMs: timeoutMs,
      budgetMs: timeoutMs * 3,
      retry: { maxRetries: 2 },
      userAgent: 'stagedoor-validate',
    });
    const absolute = resolve(root);
    const { body } = await client.request({
      method: 'POST',
      path: `/api/catalog${PUSH_API_PATH}/push`,
      query: { dryRun: 'true' },
      body: {
        source: {
          organizationUrl: target.collectionUri,
          project: target.project,
          repositoryName: target.repositoryName,
          repositoryId: /^[0-9a-f-]{36}$/i.test(target.repository)
            ? target.repository
            : undefined,
          branch: target.targetBranch,
          commit: target.commit,
        },
        files: run.files.map(path => ({
          path,
          content: readFileSync(join(absolute, path), 'utf8'),
        })),
      },
      schema: pushResponseSchema,
    });
    return { kind: 'diff', url: connection.url, response: body };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reporter.warn(`Could not ask ${connection.url} for a dry run: ${message}`);
    return { kind: 'none', reason: `The dry run failed: ${message}` };
  }
}

interface Thread {
  id: number;
  status?: string;
  isDeleted?: boolean;
  comments?: { id: number; content?: string; isDeleted?: boolean }[];
}

/** The status and the thread through the Git pull-request APIs; throws an HttpError. */
async function writeToPullRequest(
  client: HttpClient,
  target: PullRequestTarget,
  run: ValidateRunResult,
  content: string,
  threadStatus: 'active' | 'closed',
  reporter: Reporter,
): Promise<number> {
  const base = `/${encodeURIComponent(target.project)}/_apis/git/repositories/${encodeURIComponent(target.repository)}/pullRequests/${target.pullRequestId}`;
  const query = { 'api-version': API_VERSION };
  await client.request({
    method: 'POST',
    path: `${base}/statuses`,
    query,
    body: {
      state: run.outcome === 'Failed' ? 'failed' : 'succeeded',
      description: run.message.slice(0, 250),
      context: STATUS_CONTEXT,
      ...(target.runUrl ? { targetUrl: target.runUrl } : {}),
    },
  });
  const { body } = await client.request<{ value?: Thread[] }>({
    method: 'GET',
    path: `${base}/threads`,
    query,
  });
  const existing = (body?.value ?? []).find(
    t =>
      !t.isDeleted &&
      t.comments?.[0] &&
      !t.comments[0].isDeleted &&
      (t.comments[0].content ?? '').startsWith(THREAD_MARKER),
  );
  if (!existing) {
    const created = await client.request<Thread>({
      method: 'POST',
      path: `${base}/threads`,
      query,
      body: {
        comments: [{ parentCommentId: 0, content, commentType: 'text' }],
        status: threadStatus,
      },
    });
    reporter.info(
      `Opened the catalog thread on pull request ${target.pullRequestId} (${threadStatus}).`,
    );
    return created.body.id;
  }
  const comment = existing.comments![0];
  await client.request({
    method: 'PATCH',
    path: `${base}/threads/${existing.id}/comments/${comment.id}`,
    query,
    body: { content },
  });
  if (existing.status !== threadStatus) {
    await client.request({
      method: 'PATCH',
      path: `${base}/threads/${existing.id}`,
      query,
      body: { status: threadStatus },
    });
  }
  reporter.info(
    `Updated the catalog thread on pull request ${target.pullRequestId} (${threadStatus}).`,
  );
  return existing.id;
}

const PERMISSION_HINT =
  'Grant the build identity ("<Project> Build Service (<organization>)") \'Contribute to pull requests\' on the repository ' +
  '(Project settings → Repositories → Security). The job access token (System.AccessToken) is what is used: the task reads it ' +
  'from the agent; a script step running stagedoor validate --pull-request needs it mapped, ' +
  '`env: { SYSTEM_ACCESSTOKEN: $(System.AccessToken) }` (persistCredentials on the checkout does not hand it to a step).';

/**
 * Sets the pull request's status and writes (or updates) its catalog thread. Never throws:
 * a missing permission or an unreachable service is one warning and the build goes on.
 */
export async function pullRequestFeedback(
  run: ValidateRunResult,
  root: string,
  target: PullRequestTarget,
  options: FeedbackOptions,
  reporter: Reporter,
): Promise<FeedbackResult> {
  const threadStatus =
    run.result.problems.length > 0 ? ('active' as const) : ('closed' as const);
  const diff = await catalogDryRun(run, root, target, options, reporter);
  if (!target.accessToken) {
    reporter.warn(
      `No job access token: the result was not posted to pull request ${target.pullRequestId}. ${PERMISSION_HINT}`,
    );
    return { posted: false, threadStatus, diff };
  }
  reporter.secret(target.accessToken);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const client = new HttpClient({
    baseUrl: target.collectionUri,
    token: target.accessToken,
    principal: 'the job access token',
    requestTimeoutMs: timeoutMs,
    budgetMs: timeoutMs * 3,
    retry: { maxRetries: 2 },
    userAgent: 'stagedoor-validate',
    onRetry: r =>
      reporter.debug(
        `${r.reason} from ${r.url}; retrying in ${(r.delayMs / 1000).toFixed(1)} s.`,
      ),
  });
  try {
    const threadId = await writeToPullRequest(
      client,
      target,
      run,
      threadMarkdown(run, diff, target),
      threadStatus,
      reporter,
    );
    return { posted: true, threadId, threadStatus, diff };
  } catch (error) {
    if (
      error instanceof HttpError &&
      (error.status === 401 || error.status === 403)
    ) {
      const said = serverMessage(error.details.body);
      reporter.warn(
        `Azure DevOps refused to let the job access token write to pull request ${target.pullRequestId} (${error.status}` +
          `${said ? `: ${said}` : ''}); the result is only in this log. ${PERMISSION_HINT}`,
      );
    } else {
      reporter.warn(
        `Could not post the result to pull request ${target.pullRequestId}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return { posted: false, threadStatus, diff };
  }
}
