import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in Backstage's action list. */
export const examples: TemplateExample[] = [
  {
    description:
      'A variable group with plain values and a secret from the template secrets',
    example: yaml.stringify({
      steps: [
        {
          id: 'variables',
          action: 'azure:variablegroup:create',
          input: {
            organization: 'contoso',
            project: 'Payments',
            name: '${{ parameters.name }}-settings',
            variables: {
              serviceName: '${{ parameters.name }}',
              region: 'westeurope',
            },
            secretVariables: { dbPassword: '${{ secrets.dbPassword }}' },
            authorizePipelineIds: ['${{ steps.pipeline.output.pipelineId }}'],
          },
        },
      ],
    }),
  },
];
