import { InputError } from '@backstage/errors';

/** The inputs that shape a service connection's body. */
export interface ServiceConnectionInput {
  name: string;
  description?: string;
  type: 'azurerm' | 'generic' | 'backstage';
  scopeLevel?: 'subscription' | 'resourceGroup' | 'managementGroup';
  subscriptionId?: string;
  subscriptionName?: string;
  resourceGroup?: string;
  managementGroupId?: string;
  managementGroupName?: string;
  tenantId?: string;
  clientId?: string;
  environment?: string;
  url?: string;
  username?: string;
  password?: string;
  apiToken?: string;
  authenticationMethod?: 'token' | 'entra';
  azureSubscription?: string;
  audience?: string;
}

function need(value: string | undefined, name: string, why: string): string {
  if (!value) throw new InputError(`Set ${name}: ${why}.`);
  return value;
}

/**
 * The ServiceEndpoint body for the Endpoints_Create call. Azure Resource Manager
 * connections always use workload identity federation (creationMode Manual): the
 * service mints issuer and subject, and someone adds the federated credential
 * to the app registration or managed identity named by clientId.
 */
export function serviceConnectionBody(
  input: ServiceConnectionInput,
  project: { id: string; name: string },
): Record<string, unknown> {
  const references = [
    {
      name: input.name,
      description: input.description ?? '',
      projectReference: project,
    },
  ];
  const common = {
    name: input.name,
    description: input.description ?? '',
    owner: 'library',
    isShared: false,
    serviceEndpointProjectReferences: references,
  };
  switch (input.type) {
    case 'azurerm': {
      const scope = input.scopeLevel ?? 'subscription';
      const parameters: Record<string, string> = {
        tenantid: need(
          input.tenantId,
          'tenantId',
          'the Entra tenant of the identity',
        ),
        serviceprincipalid: need(
          input.clientId,
          'clientId',
          'the application (client) id of the app registration or user-assigned managed identity',
        ),
      };
      const data: Record<string, string> = {
        environment: input.environment ?? 'AzureCloud',
        creationMode: 'Manual',
      };
      if (scope === 'managementGroup') {
        data.scopeLevel = 'ManagementGroup';
        data.managementGroupId = need(
          input.managementGroupId,
          'managementGroupId',
          'a management-group scope needs the group id',
        );
        data.managementGroupName =
          input.managementGroupName ?? input.managementGroupId!;
      } else {
        data.scopeLevel = 'Subscription';
        data.subscriptionId = need(
          input.subscriptionId,
          'subscriptionId',
          `a ${scope} scope needs the subscription id`,
        );
        data.subscriptionName = input.subscriptionName ?? input.subscriptionId!;
        if (scope === 'resourceGroup') {
          const rg = need(
            input.resourceGroup,
            'resourceGroup',
            'a resourceGroup scope needs the resource group name',
          );
          parameters.scope = `/subscriptions/${input.subscriptionId}/resourcegroups/${rg}`;
        }
      }
      return {
        ...common,
        type: 'azurerm',
        url: 'https://management.azure.com/',
        authorization: { scheme: 'WorkloadIdentityFederation', parameters },
        data,
      };
    }
    case 'generic':
      return {
        ...common,
        type: 'generic',
        url: need(
          input.url,
          'url',
          'a generic connection needs the server URL',
        ),
        authorization: {
          scheme: 'UsernamePassword',
          parameters: {
            username: input.username ?? '',
            password: input.password ?? '',
          },
        },
        data: {},
      };
    case 'backstage': {
      const url = need(
        input.url,
        'url',
        'the Backstage backend base URL, e.g. https://backstage.contoso.com',
      );
      if ((input.authenticationMethod ?? 'token') === 'entra') {
        return {
          ...common,
          type: 'backstage',
          url,
          authorization: { scheme: 'None', parameters: {} },
          data: {
            authenticationMethod: 'entra',
            azureSubscription: need(
              input.azureSubscription,
              'azureSubscription',
              'the Azure Resource Manager connection that requests the Entra token',
            ),
            audience: need(
              input.audience,
              'audience',
              'the Application ID URI Backstage accepts, e.g. api://backstage',
            ),
          },
        };
      }
      return {
        ...common,
        type: 'backstage',
        url,
        authorization: {
          scheme: 'Token',
          parameters: {
            apitoken: need(
              input.apiToken,
              'apiToken',
              'the Backstage static token (pass it from the template secrets)',
            ),
          },
        },
        data: { authenticationMethod: 'token' },
      };
    }
    default:
      throw new InputError(
        `type must be azurerm, generic or backstage, got '${String(input.type)}'.`,
      );
  }
}
