import picomatch from 'picomatch';
import { normalizeOrganizationUrl, shortBranchName } from '@stagedoor/common';
import { HttpClient } from '../http';
import type { Reporter } from '../reporter';
import type { SourceInfo } from './options';

/** Whether this run should act, and if not, the line that says why. */
export type GateDecision = { act: true } | { act: false; reason: string };

/** Pure: decides from the branch, the build reason and the inputs. */
export function decideGate(input: {
  branch: string;
  reason?: string;
  defaultBranch?: string;
  branchFilter: string;
  runOnPullRequests: boolean;
}): GateDecision {
  const isPullRequest =
    input.reason === 'PullRequest' || input.branch.startsWith('refs/pull/');
  if (isPullRequest && !input.runOnPullRequests) {
    return {
      act: false,
      reason:
        'Skipped: this is a pull-request build, and the catalog should only hold what is merged. ' +
        'Set runOnPullRequests to true to act on pull requests anyway.',
    };
  }
  if (isPullRequest) return { act: true };
  const branch = shortBranchName(input.branch);
  const filter = input.branchFilter.trim();
  if (filter === '*') return { act: true };
  if (filter === 'default') {
    const wanted = input.defaultBranch
      ? [shortBranchName(input.defaultBranch)]
      : ['main', 'master'];
    if (wanted.includes(branch)) return { act: true };
    return {
      act: false,
      reason:
        `Skipped: branch '${branch}' is not the repository's default branch (${wanted.join(' or ')}). ` +
        "Set branchFilter to '*' or to a list of branches to act on other branches.",
    };
  }
  const patterns = filter
    .split(',')
    .map(p => shortBranchName(p.trim()))
    .filter(Boolean);
  if (picomatch(patterns)(branch)) return { act: true };
  return {
    act: false,
    reason: `Skipped: branch '${branch}' does not match branchFilter '${filter}'.`,
  };
}

/**
 * The repository's default branch from Azure DevOps (`GET …/_apis/git/repositories/{id}`)
 * with the job's System.AccessToken; undefined when it cannot be told.
 */
export async function resolveDefaultBranch(
  source: SourceInfo,
  reporter: Reporter,
): Promise<string | undefined> {
  if (source.defaultBranch) return source.defaultBranch;
  const repository = source.repositoryId || source.repositoryName;
  if (
    !source.systemAccessToken ||
    !source.organizationUrl ||
    !source.project ||
    !repository
  )
    return undefined;
  const client = new HttpClient({
    baseUrl: normalizeOrganizationUrl(source.organizationUrl),
    token: source.systemAccessToken,
    principal: 'the job access token (System.AccessToken)',
    requestTimeoutMs: 10_000,
    budgetMs: 20_000,
    retry: { maxRetries: 2 },
  });
  try {
    const { body } = await client.request<{ defaultBranch?: string }>({
      method: 'GET',
      path: `/${encodeURIComponent(source.project)}/_apis/git/repositories/${encodeURIComponent(repository)}`,
      query: { 'api-version': '7.1' },
    });
    return body?.defaultBranch;
  } catch (error) {
    reporter.debug(
      `Could not read the default branch from Azure DevOps: ${(error as Error).message}`,
    );
    return undefined;
  }
}
