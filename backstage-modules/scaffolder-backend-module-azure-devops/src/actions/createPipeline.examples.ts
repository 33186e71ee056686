import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in Backstage's action list. */
export const examples: TemplateExample[] = [
  {
    description:
      'Create a YAML pipeline for the repository publish:azure just created',
    example: yaml.stringify({
      steps: [
        {
          id: 'pipeline',
          action: 'azure:pipeline:create',
          name: 'Create the pipeline',
          input: {
            organization: 'contoso',
            project: 'Payments',
            repositoryName: '${{ parameters.name }}',
            name: '${{ parameters.name }}',
            folder: '\\services',
            yamlPath: '/azure-pipelines.yml',
          },
        },
      ],
    }),
  },
  {
    description: 'Community module input names are accepted unchanged',
    example: yaml.stringify({
      steps: [
        {
          id: 'createAzurePipeline',
          action: 'azure:pipeline:create',
          input: {
            organization:
              "${{ (parameters.repoUrl | parseRepoUrl)['organization'] }}",
            project: "${{ (parameters.repoUrl | parseRepoUrl)['project'] }}",
            repository: "${{ (parameters.repoUrl | parseRepoUrl)['repo'] }}",
            pipelineName: 'MyNewPipeline',
            pipelineYamlFile: 'azure-pipelines.yml',
            pipelineFolder: 'team-a',
          },
        },
      ],
    }),
  },
  {
    description: 'Fail instead of reusing a pipeline that already has the name',
    example: yaml.stringify({
      steps: [
        {
          id: 'pipeline',
          action: 'azure:pipeline:create',
          input: {
            organizationUrl: 'https://ado.contoso.local/tfs/DefaultCollection',
            project: 'Payments',
            repositoryId: '${{ steps.publish.output.repositoryId }}',
            name: 'payments-api',
            failIfExists: true,
          },
        },
      ],
    }),
  },
];
