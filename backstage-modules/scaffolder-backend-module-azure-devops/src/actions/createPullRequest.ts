import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { InputError } from '@backstage/errors';
import {
  AzureDevOpsActionOptions,
  attributed,
  attributionOf,
  clientFor,
  credentialsProviderOf,
  guarded,
  initiatorOf,
  organizationInputs,
} from './common';
import { examples } from './createPullRequest.examples';
import type { AzureDevOpsClient } from '../lib/client';
import {
  ZERO_COMMIT,
  branchHead,
  fullRef,
  lineDiff,
  listFiles,
  planChanges,
  pushCommit,
  readFolder,
  shortRef,
} from '../lib/git';

/** The merge strategies of `completionOptions.mergeStrategy` (community spelling). */
export const MERGE_STRATEGIES = [
  'NoFastForward',
  'Squash',
  'Rebase',
  'RebaseMerge',
] as const;

interface PullRequest {
  pullRequestId: number;
  title: string;
  createdBy?: { id?: string };
}

/**
 * `azure:pr:create`: commits files from the workspace to a branch (Git pushes
 * API) and opens a pull request, or updates and returns the open one from the
 * same branch. Without `sourcePath` it opens a pull request from a branch an
 * earlier step pushed, as the community module's action does.
 *
 * @public
 */
export function createPullRequestCreateAction(
  options: AzureDevOpsActionOptions,
) {
  const provider = credentialsProviderOf(options);
  const action = createTemplateAction({
    id: 'azure:pr:create',
    description:
      'Commits workspace files to a branch and opens (or updates) an Azure Repos pull request.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...organizationInputs,
        repositoryName: z =>
          z.string().optional().describe('Azure Repos repository name or id.'),
        repoName: z =>
          z
            .string()
            .optional()
            .describe('Alias of repositoryName (community).'),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Workspace folder whose files are committed to sourceBranch (. for the whole workspace). Without it, sourceBranch must exist already.',
            ),
        targetPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Folder in the repository the files go to (default root).',
            ),
        sourceBranch: z =>
          z
            .string()
            .optional()
            .describe('Branch of the change (default scaffolder).'),
        targetBranch: z =>
          z
            .string()
            .optional()
            .describe(
              "Branch to merge into (default: the repository's default branch).",
            ),
        commitMessage: z =>
          z
            .string()
            .optional()
            .describe('Commit message (default: the title).'),
        title: z => z.string().min(1).describe('Pull request title.'),
        description: z =>
          z.string().optional().describe('Pull request description.'),
        reviewers: z =>
          z
            .array(z.string())
            .optional()
            .describe('Reviewer identity ids (users or groups).'),
        workItemIds: z =>
          z
            .array(z.union([z.string(), z.number()]))
            .optional()
            .describe('Work items to link.'),
        workItemId: z =>
          z.string().optional().describe('One work item to link (community).'),
        draft: z =>
          z.boolean().optional().describe('Open as a draft (default false).'),
        autoComplete: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Complete the pull request once its policies pass, deleting the source branch.',
            ),
        mergeStrategy: z =>
          z
            .enum(MERGE_STRATEGIES)
            .optional()
            .describe(
              `Merge strategy with autoComplete: ${MERGE_STRATEGIES.join(', ')} (default RebaseMerge, as the community module).`,
            ),
        supportsIterations: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Whether the pull request supports iterations (community).',
            ),
      },
      output: {
        pullRequestId: z => z.number().describe('Pull request id.'),
        pullRequestUrl: z =>
          z.string().describe('Web URL of the pull request.'),
        created: z =>
          z
            .boolean()
            .describe('False when an open pull request was updated instead.'),
        commitId: z =>
          z
            .string()
            .describe('The commit pushed to sourceBranch (empty when none).'),
        changedFiles: z =>
          z
            .array(z.string())
            .describe(
              'Paths added or edited by the commit (what a dry run would change).',
            ),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const repoRef = input.repositoryName ?? input.repoName;
      if (!repoRef)
        throw new InputError(
          'Set repositoryName (or repoName): the repository of the pull request.',
        );
      const workItems = [
        ...(input.workItemIds ?? []),
        ...(input.workItemId ? [input.workItemId] : []),
      ].map(v => {
        const s = String(v).trim();
        if (!/^\d+$/.test(s))
          throw new InputError(
            `Work item ids must be numbers, got '${v}' — check workItemIds/workItemId.`,
          );
        return s;
      });
      const sourceBranch = input.sourceBranch ?? 'scaffolder';
      const client: AzureDevOpsClient = await clientFor(
        input,
        provider,
        options,
      );
      const project = await client.getProject(input.project);
      const repo = await client.getRepository(project.name, repoRef);
      const targetRef = fullRef(
        input.targetBranch ?? repo.defaultBranch ?? 'main',
      );
      const sourceRef = fullRef(sourceBranch);
      if (sourceRef.toLowerCase() === targetRef.toLowerCase()) {
        throw new InputError(
          `sourceBranch and targetBranch are both ${shortRef(targetRef)}; name a separate branch for the change.`,
        );
      }
      const webUrl = (id: number) =>
        `${client.organizationUrl}/${encodeURIComponent(project.name)}/_git/${encodeURIComponent(repo.name)}/pullrequest/${id}`;
      const description = attributed(
        input.description,
        attributionOf(await initiatorOf(ctx), ctx.task?.id ?? 'unknown'),
      );

      // What to commit: workspace files that differ from the source branch
      // (or, for a new branch, from the target branch).
      const sourceHead = await branchHead(
        client,
        project.name,
        repo.id,
        sourceRef,
      );
      const targetHead = await branchHead(
        client,
        project.name,
        repo.id,
        targetRef,
      );
      let changes: ReturnType<typeof planChanges> = [];
      if (input.sourcePath !== undefined) {
        const local = await readFolder(ctx.workspacePath, input.sourcePath);
        if (local.size === 0)
          throw new InputError(
            `sourcePath '${input.sourcePath}' holds no files — check the earlier steps that write it.`,
          );
        const base = sourceHead ? sourceRef : targetRef;
        const remote =
          sourceHead || targetHead
            ? await listFiles(
                client,
                project.name,
                repo.id,
                base,
                input.targetPath ?? '/',
              )
            : new Map<string, string>();
        changes = planChanges(local, remote, input.targetPath);
      } else if (!sourceHead && !ctx.isDryRun) {
        throw new InputError(
          `Branch ${shortRef(sourceRef)} does not exist in ${repo.name}; push it first (azure:repository:push) or set sourcePath to commit workspace files.`,
        );
      }
      const changedFiles = changes.map(c => c.path);

      if (ctx.isDryRun) {
        // What the pull request would change: the changed lines of edited files.
        for (const change of changes.filter(c => c.changeType === 'edit')) {
          const base = sourceHead ? sourceRef : targetRef;
          const before = await client.download(
            `${encodeURIComponent(project.name)}/_apis/git/repositories/${repo.id}/items?path=${encodeURIComponent(change.path)}&download=true&versionDescriptor.version=${encodeURIComponent(shortRef(base))}&versionDescriptor.versionType=branch`,
          );
          ctx.logger.info(
            `Dry run: ${change.path} would change:\n${lineDiff(before.toString('utf8'), change.content.toString('utf8')).join('\n')}`,
          );
        }
        ctx.logger.info(
          `Dry run: would ${changes.length ? `commit ${changes.map(c => `${c.changeType} ${c.path}`).join(', ')} to ${shortRef(sourceRef)}` : `commit nothing to ${shortRef(sourceRef)}`} and open a pull request '${input.title}' into ${shortRef(targetRef)} of ${repo.name}.`,
        );
        ctx.output('pullRequestId', 0);
        ctx.output('pullRequestUrl', '');
        ctx.output('created', false);
        ctx.output('commitId', '');
        ctx.output('changedFiles', changedFiles);
        return;
      }

      const result = await ctx.checkpoint({
        key: `azure:pr:create:${client.organizationUrl}/${project.id}/${repo.id}/${sourceRef}/${ctx.step?.id ?? ''}`.toLowerCase(),
        fn: async () => {
          let commitId = '';
          if (changes.length > 0) {
            commitId = await pushCommit(client, project.name, repo.id, {
              branch: sourceRef,
              oldObjectId: sourceHead ?? targetHead ?? ZERO_COMMIT,
              comment: input.commitMessage ?? input.title,
              changes,
            });
          }
          const base = `${encodeURIComponent(project.name)}/_apis/git/repositories/${repo.id}/pullrequests`;
          const open = await client.request<{ value: PullRequest[] }>(
            'GET',
            `${base}?searchCriteria.sourceRefName=${encodeURIComponent(sourceRef)}&searchCriteria.targetRefName=${encodeURIComponent(targetRef)}&searchCriteria.status=active`,
          );
          let pr: PullRequest;
          let created: boolean;
          if (open.value.length > 0) {
            pr = await client.request<PullRequest>(
              'PATCH',
              `${base}/${open.value[0].pullRequestId}`,
              { title: input.title, description },
            );
            created = false;
          } else {
            const query =
              input.supportsIterations !== undefined
                ? `?supportsIterations=${input.supportsIterations}`
                : '';
            pr = await client.request<PullRequest>('POST', `${base}${query}`, {
              sourceRefName: sourceRef,
              targetRefName: targetRef,
              title: input.title,
              description,
              isDraft: input.draft ?? false,
              reviewers: (input.reviewers ?? []).map(id => ({ id })),
              workItemRefs: workItems.map(id => ({ id })),
            });
            created = true;
          }
          if (input.autoComplete) {
            await client.request('PATCH', `${base}/${pr.pullRequestId}`, {
              autoCompleteSetBy: { id: pr.createdBy?.id },
              completionOptions: {
                deleteSourceBranch: true,
                mergeStrategy: (input.mergeStrategy ?? 'RebaseMerge').replace(
                  /^./,
                  c => c.toLowerCase(),
                ),
              },
            });
          }
          return { id: pr.pullRequestId, created, commitId };
        },
      });
      ctx.logger.info(
        `${result.created ? 'Opened' : 'Updated the open'} pull request ${result.id} from ${shortRef(sourceRef)} into ${shortRef(targetRef)}${result.commitId ? ` with commit ${result.commitId.slice(0, 8)} (${changedFiles.length} file(s))` : ''}: ${webUrl(result.id)}`,
      );
      ctx.output('pullRequestId', result.id);
      ctx.output('pullRequestUrl', webUrl(result.id));
      ctx.output('created', result.created);
      ctx.output('commitId', result.commitId);
      ctx.output('changedFiles', changedFiles);
    },
  });
  return guarded(action, options, input => ({ projects: [input.project] }));
}
