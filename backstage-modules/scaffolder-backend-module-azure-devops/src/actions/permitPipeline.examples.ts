import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in Backstage's action list. */
export const examples: TemplateExample[] = [
  {
    description: 'Let the new pipeline use the Backstage service connection',
    example: yaml.stringify({
      steps: [
        {
          id: 'permitBackstage',
          action: 'azure:pipeline:permit',
          input: {
            organization: 'contoso',
            project: 'Payments',
            pipelineId: '${{ steps.pipeline.output.pipelineId }}',
            resourceType: 'endpoint',
            resourceName: 'backstage',
          },
        },
      ],
    }),
  },
  {
    description:
      'Authorize a repository for every pipeline of the project ({projectId}.{repositoryId} is built from the name)',
    example: yaml.stringify({
      steps: [
        {
          id: 'permitTemplatesRepo',
          action: 'azure:pipeline:permit',
          input: {
            organization: 'contoso',
            project: 'Payments',
            allPipelines: true,
            resourceType: 'repository',
            resourceName: 'pipeline-templates',
          },
        },
      ],
    }),
  },
  {
    description: 'Community input names: resourceId and authorized',
    example: yaml.stringify({
      steps: [
        {
          id: 'permit',
          action: 'azure:pipeline:permit',
          input: {
            organization: 'contoso',
            project: 'Payments',
            pipelineId: '42',
            resourceType: 'variablegroup',
            resourceId: '7',
            authorized: true,
          },
        },
      ],
    }),
  },
];
