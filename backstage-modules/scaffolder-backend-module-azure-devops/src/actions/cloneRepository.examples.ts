import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in Backstage's action list. */
export const examples: TemplateExample[] = [
  {
    description: "Copy a repository's default branch into ./repo",
    example: yaml.stringify({
      steps: [
        {
          id: 'clone',
          action: 'azure:repository:clone',
          input: {
            organization: 'contoso',
            project: 'Payments',
            repositoryName: 'payments-api',
            targetPath: 'repo',
          },
        },
      ],
    }),
  },
  {
    description: 'Clone by URL (community input names)',
    example: yaml.stringify({
      steps: [
        {
          id: 'clone',
          action: 'azure:repository:clone',
          input: {
            remoteUrl:
              'https://dev.azure.com/contoso/Payments/_git/payments-api',
            branch: 'main',
            targetPath: './repo',
          },
        },
      ],
    }),
  },
];
