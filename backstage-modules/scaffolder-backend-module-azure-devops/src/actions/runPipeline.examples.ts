import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in Backstage's action list. */
export const examples: TemplateExample[] = [
  {
    description:
      'Queue the first run of a new pipeline and wait for it to succeed',
    example: yaml.stringify({
      steps: [
        {
          id: 'firstRun',
          action: 'azure:pipeline:run',
          input: {
            organization: 'contoso',
            project: 'Payments',
            pipelineId: '${{ steps.pipeline.output.pipelineId }}',
            branch: 'main',
            templateParameters: { environment: 'dev' },
            variables: {
              deployToken: {
                value: '${{ secrets.deployToken }}',
                isSecret: true,
              },
            },
            pollingInterval: 10,
            pipelineTimeout: 900,
            failIfNotSuccessful: true,
          },
        },
      ],
    }),
  },
  {
    description: 'Queue a run without waiting (community input names)',
    example: yaml.stringify({
      steps: [
        {
          id: 'runAzurePipeline',
          action: 'azure:pipeline:run',
          input: {
            organization:
              "${{ (parameters.repoUrl | parseRepoUrl)['organization'] }}",
            project: "${{ (parameters.repoUrl | parseRepoUrl)['project'] }}",
            pipelineId: '${{ parameters.pipelineId }}',
          },
        },
      ],
    }),
  },
];
