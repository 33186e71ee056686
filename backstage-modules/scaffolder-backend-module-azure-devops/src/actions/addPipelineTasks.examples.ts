import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in Backstage's action list. */
export const examples: TemplateExample[] = [
  {
    description:
      "Add the Stagedoor tasks to a cloned repository's azure-pipelines.yml, keeping its comments",
    example: yaml.stringify({
      steps: [
        {
          id: 'tasks',
          action: 'stagedoor:pipeline:add-tasks',
          input: {
            path: 'repo/azure-pipelines.yml',
            entityRef: 'component:default/payments-api',
            backstageConnection: 'backstage',
            azureConnection: 'techdocs-storage',
            storageAccount: 'stagedoortechdocs',
            defaultBranch: 'main',
          },
        },
      ],
    }),
  },
];
