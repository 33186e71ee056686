import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in Backstage's action list. */
export const examples: TemplateExample[] = [
  {
    description:
      'Commit the files an earlier step wrote to ./onboarding on a branch and open a pull request',
    example: yaml.stringify({
      steps: [
        {
          id: 'pr',
          action: 'azure:pr:create',
          input: {
            organization: 'contoso',
            project: 'Payments',
            repositoryName: 'payments-api',
            sourcePath: 'onboarding',
            sourceBranch: 'backstage/onboard',
            title: 'Onboard payments-api to Backstage',
            description: 'Adds catalog-info.yaml and TechDocs.',
            reviewers: ['${{ parameters.reviewerId }}'],
            workItemIds: ['4711'],
            autoComplete: true,
            mergeStrategy: 'Squash',
            draft: false,
          },
        },
      ],
    }),
  },
  {
    description:
      'Open a pull request from a branch pushed earlier (community input names)',
    example: yaml.stringify({
      steps: [
        {
          id: 'createPullRequest',
          action: 'azure:pr:create',
          input: {
            organization: 'contoso',
            project: 'Payments',
            repoName: 'payments-api',
            sourceBranch: 'scaffolder',
            targetBranch: 'main',
            title: 'Changes from Backstage',
            workItemId: '4711',
          },
        },
      ],
    }),
  },
];
