/**
 * Test-only stand-in for `publish:azure`. The real action builds
 * `https://{host}/{organization}` API URLs and pushes git over smart HTTP, which
 * the fake Azure DevOps does not speak; so the end-to-end test runs a variant
 * of each template whose `publish:azure` step uses this action instead. It
 * stores the workspace as the new repository's files in the fake (so the
 * catalog's real Azure URL reader can read catalog-info.yaml back) and answers
 * with the outputs `publish:azure` has.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createTemplateAction,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';
import type { FakeAzureDevOps } from '../../fixtures/azure-devops';

export const FAKE_PUBLISH_ACTION = 'test:publish:azure-fake';

function filesUnder(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const full = path.join(dir, e.name);
    return e.isDirectory()
      ? filesUnder(full, base)
      : [path.relative(base, full)];
  });
}

/** A scaffolder module that adds {@link FAKE_PUBLISH_ACTION} for `fake`. */
export function fakePublishModule(fake: FakeAzureDevOps) {
  return createBackendModule({
    pluginId: 'scaffolder',
    moduleId: 'test-fake-publish-azure',
    register(env) {
      env.registerInit({
        deps: { scaffolder: scaffolderActionsExtensionPoint },
        async init({ scaffolder }) {
          scaffolder.addActions(
            createTemplateAction({
              id: FAKE_PUBLISH_ACTION,
              schema: {
                input: {
                  repoUrl: z => z.string(),
                  defaultBranch: z => z.string().optional(),
                  gitCommitMessage: z => z.string().optional(),
                  sourcePath: z => z.string().optional(),
                },
                output: {
                  remoteUrl: z => z.string(),
                  repoContentsUrl: z => z.string(),
                  repositoryId: z => z.string(),
                  commitHash: z => z.string(),
                },
              },
              async handler(ctx) {
                const url = new URL(`https://${ctx.input.repoUrl}`);
                const org = url.searchParams.get('organization');
                const projectName = url.searchParams.get('project');
                const repoName = url.searchParams.get('repo');
                if (org !== fake.organization || !projectName || !repoName) {
                  throw new Error(
                    `fake publish: unexpected repoUrl ${ctx.input.repoUrl}`,
                  );
                }
                const project = fake.state.project(projectName);
                const repo = fake.state.addRepository(project, repoName);
                const root = path.join(
                  ctx.workspacePath,
                  ctx.input.sourcePath ?? '.',
                );
                for (const rel of filesUnder(root)) {
                  repo.files.set(
                    `/${rel.split(path.sep).join('/')}`,
                    fs.readFileSync(path.join(root, rel)),
                  );
                }
                const web = `${fake.orgUrl}/${encodeURIComponent(project.name)}/_git/${encodeURIComponent(repo.name)}`;
                ctx.logger.info(
                  `fake publish: stored ${repo.files.size} files in ${web}`,
                );
                ctx.output('remoteUrl', web);
                ctx.output('repoContentsUrl', web);
                ctx.output('repositoryId', repo.id);
                ctx.output('commitHash', '0'.repeat(40));
              },
            }),
          );
        },
      });
    },
  });
}
