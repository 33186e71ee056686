import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { InputError } from '@backstage/errors';
import {
  AzureDevOpsActionOptions,
  clientFor,
  credentialsProviderOf,
  guarded,
} from './common';
import { examples } from './pushRepository.examples';
import { repositoryInputs, withRemoteUrl } from './repository.common';
import {
  ZERO_COMMIT,
  branchHead,
  fullRef,
  listFiles,
  planChanges,
  pushCommit,
  readFolder,
  shortRef,
} from '../lib/git';

/**
 * `azure:repository:push`: commits the files of a workspace folder to a branch
 * through the Git pushes REST API (no git over HTTPS): files that differ are
 * added or edited; a new branch starts at the default branch.
 *
 * @public
 */
export function createRepositoryPushAction(options: AzureDevOpsActionOptions) {
  const provider = credentialsProviderOf(options);
  const action = createTemplateAction({
    id: 'azure:repository:push',
    description:
      'Commits the files of a workspace folder to a branch of an Azure Repos repository.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        ...repositoryInputs,
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              'Branch to commit to (default scaffolder, as the community module).',
            ),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Workspace folder whose files are committed (default: the workspace).',
            ),
        targetPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Folder in the repository the files go to (default root).',
            ),
        gitCommitMessage: z =>
          z
            .string()
            .optional()
            .describe('Commit message (default Initial commit).'),
        gitAuthorName: z =>
          z.string().optional().describe('Commit author name.'),
        gitAuthorEmail: z =>
          z.string().optional().describe('Commit author email.'),
      },
      output: {
        commitId: z =>
          z.string().describe('The new commit (empty when nothing changed).'),
        branch: z => z.string().describe('The branch (short name).'),
        changedFiles: z =>
          z.array(z.string()).describe('Paths added or edited.'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const branch = input.branch ?? 'scaffolder';
      if (/\s/.test(branch))
        throw new InputError(
          `Branch name '${branch}' must not contain spaces.`,
        );
      const local = await readFolder(
        ctx.workspacePath,
        input.sourcePath ?? '.',
      );
      const client = await clientFor(input, provider, options);
      const project = await client.getProject(input.project!);
      const repo = await client.getRepository(
        project.name,
        input.repositoryName!,
      );
      const ref = fullRef(branch);
      const head = await branchHead(client, project.name, repo.id, ref);
      const defaultRef = repo.defaultBranch;
      const baseHead =
        head ??
        (defaultRef
          ? await branchHead(client, project.name, repo.id, defaultRef)
          : undefined);
      const remote = baseHead
        ? await listFiles(
            client,
            project.name,
            repo.id,
            head ? ref : defaultRef!,
            input.targetPath ?? '/',
          )
        : new Map<string, string>();
      const changes = planChanges(local, remote, input.targetPath);
      const changedFiles = changes.map(c => c.path);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would commit ${changes.map(c => `${c.changeType} ${c.path}`).join(', ') || 'nothing'} to ${branch} of ${repo.name}.`,
        );
        ctx.output('commitId', '');
        ctx.output('branch', shortRef(ref));
        ctx.output('changedFiles', changedFiles);
        return;
      }
      const commitId = await ctx.checkpoint({
        key: `azure:repository:push:${client.organizationUrl}/${project.id}/${repo.id}/${ref}/${ctx.step?.id ?? ''}`.toLowerCase(),
        fn: async () =>
          changes.length === 0
            ? ''
            : pushCommit(client, project.name, repo.id, {
                branch: ref,
                oldObjectId: baseHead ?? ZERO_COMMIT,
                comment: input.gitCommitMessage ?? 'Initial commit',
                changes,
                author:
                  input.gitAuthorName || input.gitAuthorEmail
                    ? { name: input.gitAuthorName, email: input.gitAuthorEmail }
                    : undefined,
              }),
      });
      ctx.logger.info(
        commitId
          ? `Committed ${changes.length} file(s) to ${branch} of ${repo.name}: ${commitId}`
          : `Nothing to commit: ${branch} of ${repo.name} already holds these files.`,
      );
      ctx.output('commitId', commitId);
      ctx.output('branch', shortRef(ref));
      ctx.output('changedFiles', changedFiles);
    },
  });
  return withRemoteUrl(
    guarded(action, options, input => ({ projects: [input.project] })),
  );
}
