import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

/** Examples shown in Backstage's action list. */
export const examples: TemplateExample[] = [
  {
    description:
      'An Azure Resource Manager connection with workload identity federation on a resource group, for one team',
    example: yaml.stringify({
      steps: [
        {
          id: 'connection',
          action: 'azure:serviceconnection:create',
          input: {
            organization: 'contoso',
            project: 'Payments',
            name: 'payments-dev',
            type: 'azurerm',
            scopeLevel: 'resourceGroup',
            subscriptionId: '00000000-0000-0000-0000-000000000000',
            subscriptionName: 'Payments Dev',
            resourceGroup: 'rg-payments-dev',
            tenantId: '11111111-1111-1111-1111-111111111111',
            clientId: '22222222-2222-2222-2222-222222222222',
            shareWithProjects: ['Payments-Infra'],
            authorizeAllPipelines: false,
          },
        },
      ],
      output: {
        text: [
          {
            title: 'Add this federated credential to the identity',
            content:
              'Issuer: ${{ steps.connection.output.workloadIdentityFederationIssuer }}\nSubject: ${{ steps.connection.output.workloadIdentityFederationSubject }}',
          },
        ],
      },
    }),
  },
  {
    description:
      'A Backstage (Stagedoor) connection with a static token from the template secrets',
    example: yaml.stringify({
      steps: [
        {
          id: 'backstage',
          action: 'azure:serviceconnection:create',
          input: {
            organization: 'contoso',
            project: 'Payments',
            name: 'backstage',
            type: 'backstage',
            url: 'https://backstage.contoso.com',
            apiToken: '${{ secrets.backstageToken }}',
            authorizePipelineIds: ['${{ steps.pipeline.output.pipelineId }}'],
          },
        },
      ],
    }),
  },
];
