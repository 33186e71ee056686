import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { InputError } from '@backstage/errors';
import { ZImpl, organizationInputs } from './common';
import { parseRemoteUrl } from '../lib/git';

/** The repository inputs of `azure:repository:clone` / `push`: ours, and the community `remoteUrl`. */
export const repositoryInputs = {
  ...organizationInputs,
  project: (zz: ZImpl) =>
    zz.string().optional().describe('Project name or id (or give remoteUrl).'),
  repositoryName: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe('Repository name or id (or give remoteUrl).'),
  remoteUrl: (zz: ZImpl) =>
    zz
      .string()
      .optional()
      .describe(
        'Clone URL, e.g. https://dev.azure.com/contoso/Payments/_git/payments-api (community input).',
      ),
};

/**
 * Fills `organizationUrl`, `project` and `repositoryName` from `remoteUrl`
 * before the guardrails and the action see the input.
 */
export function withRemoteUrl<A extends TemplateAction<any, any, any>>(
  action: A,
): A {
  return {
    ...action,
    async handler(ctx: Parameters<A['handler']>[0]) {
      const input = { ...ctx.input };
      if (input.remoteUrl) {
        const remote = parseRemoteUrl(input.remoteUrl);
        input.organizationUrl ??= remote.organizationUrl;
        input.project ??= remote.project;
        input.repositoryName ??= remote.repository;
      }
      if (!input.project || !input.repositoryName) {
        throw new InputError(
          'Name the repository: set remoteUrl, or project and repositoryName (with organization or organizationUrl).',
        );
      }
      return action.handler({ ...ctx, input });
    },
  };
}
