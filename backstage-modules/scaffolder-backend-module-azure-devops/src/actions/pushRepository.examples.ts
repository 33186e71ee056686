import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in Backstage's action list. */
export const examples: TemplateExample[] = [
  {
    description: 'Commit the edited ./repo to a branch (community input names)',
    example: yaml.stringify({
      steps: [
        {
          id: 'push',
          action: 'azure:repository:push',
          input: {
            remoteUrl:
              'https://dev.azure.com/contoso/Payments/_git/payments-api',
            branch: 'backstage/onboard',
            sourcePath: './repo',
            gitCommitMessage: 'Onboard to Backstage',
            gitAuthorName: 'Backstage',
            gitAuthorEmail: 'backstage@contoso.com',
          },
        },
      ],
    }),
  },
];
