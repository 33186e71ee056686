import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { NotFoundError } from '@backstage/errors';
import {
  AzureDevOpsActionOptions,
  clientFor,
  credentialsProviderOf,
  guarded,
} from './common';
import { examples } from './cloneRepository.examples';
import { repositoryInputs, withRemoteUrl } from './repository.common';
import { branchHead, fullRef, listFiles, shortRef } from '../lib/git';

/** Files fetched at once. */
const CONCURRENCY = 8;

/**
 * `azure:repository:clone`: copies a branch of an Azure Repos repository into
 * the workspace through the Items REST API (no git over HTTPS). Read-only, so
 * it runs in dry runs too.
 *
 * @public
 */
export function createRepositoryCloneAction(options: AzureDevOpsActionOptions) {
  const provider = credentialsProviderOf(options);
  const action = createTemplateAction({
    id: 'azure:repository:clone',
    description:
      'Copies a branch of an Azure Repos repository into the workspace (the files, without git history).',
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
              "Branch to copy (default: the repository's default branch).",
            ),
        targetPath: z =>
          z
            .string()
            .optional()
            .describe('Workspace folder to write to (default: the workspace).'),
        cloneDepth: z =>
          z
            .number()
            .optional()
            .describe(
              'Accepted for community templates; there is no history to fetch.',
            ),
      },
      output: {
        cloneFullPath: z =>
          z.string().describe('The folder the files were written to.'),
        commitId: z => z.string().describe('The commit the files come from.'),
        branch: z => z.string().describe('The branch copied (short name).'),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      const outputDir = resolveSafeChildPath(
        ctx.workspacePath,
        input.targetPath ?? '.',
      );
      const client = await clientFor(input, provider, options);
      const project = await client.getProject(input.project!);
      const repo = await client.getRepository(
        project.name,
        input.repositoryName!,
      );
      const ref = fullRef(input.branch ?? repo.defaultBranch ?? 'main');
      const head = await branchHead(client, project.name, repo.id, ref);
      if (!head) {
        throw new NotFoundError(
          `Branch ${shortRef(ref)} does not exist in ${repo.name} — check branch.`,
        );
      }
      const files = [
        ...(await listFiles(client, project.name, repo.id, ref)).keys(),
      ];
      const queue = [...files];
      const worker = async () => {
        for (let path = queue.shift(); path; path = queue.shift()) {
          const content = await client.download(
            `${encodeURIComponent(project.name)}/_apis/git/repositories/${repo.id}/items?path=${encodeURIComponent(path)}&download=true&versionDescriptor.version=${encodeURIComponent(shortRef(ref))}&versionDescriptor.versionType=branch`,
          );
          const target = resolveSafeChildPath(
            outputDir,
            path.replace(/^\/+/, ''),
          );
          await fs.mkdir(dirname(target), { recursive: true });
          await fs.writeFile(target, content);
        }
      };
      await fs.mkdir(outputDir, { recursive: true });
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      ctx.logger.info(
        `Copied ${files.length} file(s) of ${repo.name} at ${shortRef(ref)} (${head.slice(0, 8)}) to ${outputDir}.`,
      );
      ctx.output('cloneFullPath', outputDir);
      ctx.output('commitId', head);
      ctx.output('branch', shortRef(ref));
    },
  });
  return withRemoteUrl(
    guarded(action, options, input => ({ projects: [input.project] })),
  );
}
