// The baseline Backstage (with the Stagedoor modules) on Azure Container Apps:
//   az deployment group create -g <rg> -f deploy/containerapps/main.bicep -p main.bicepparam
// Everything the backend reads per environment is set here as an environment variable
// (the table in docs/deployment.md); secrets come from Key Vault by reference.

targetScope = 'resourceGroup'

@description('Azure region.')
param location string = resourceGroup().location

@description('Prefix of every resource name, e.g. contoso-backstage.')
@minLength(3)
@maxLength(20)
param namePrefix string

@description('Microsoft Entra tenant ID.')
param tenantId string = subscription().tenantId

@description('Container image built from the repository\'s Dockerfile, e.g. contosoplatform.azurecr.io/stagedoor/backstage:1.0.0.')
param image string

@description('Existing Azure Container Registry holding the image (same resource group).')
param registryName string

@description('Existing Key Vault (RBAC mode, same resource group) with the secrets auth-microsoft-client-secret and msgraph-client-secret.')
param keyVaultName string

@description('Public URL of Backstage, e.g. https://backstage.contoso.com (custom domain behind Front Door with WAF).')
param baseUrl string

@description('Client ID of the Backstage API app registration (audience of the pipelines\' Entra ID tokens).')
param backstageApiClientId string

@description('Client ID of the app registration used for sign-in.')
param authMicrosoftClientId string

@description('Client ID of the app registration that reads users and groups from Microsoft Graph.')
param msgraphClientId string

@description('OData filter for the groups to import.')
param msgraphGroupFilter string = 'securityEnabled eq true'

@description('OData filter for the groups whose members are imported as users.')
param msgraphUserGroupFilter string

@description('Azure DevOps organization name (dev.azure.com/<organization>).')
param azureDevOpsOrganization string

@description('Principal (object) ID of the pipelines\' identity: publishes TechDocs and pushes the catalog.')
param pipelinePrincipalId string

@description('Storage account name for TechDocs (3-24 lowercase letters and digits).')
param techdocsStorageAccountName string

@description('Replicas: at least 2 for availability; all share one PostgreSQL.')
@minValue(1)
param minReplicas int = 2

@maxValue(30)
param maxReplicas int = 4

@description('Concurrent HTTP requests per replica before Container Apps adds one.')
param concurrentRequestsPerReplica int = 50

@description('Resource id of an existing action group the alert rules notify; empty: alerts show in the portal only.')
param alertActionGroupId string = ''

var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-id'
  location: location
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource pullImages 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: registry
  name: guid(registry.id, identity.id, acrPull)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource readSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: keyVault
  name: guid(keyVault.id, identity.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    location: location
    namePrefix: namePrefix
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    location: location
    namePrefix: namePrefix
    tenantId: tenantId
    subnetId: network.outputs.postgresSubnetId
    privateDnsZoneId: network.outputs.postgresDnsZoneId
    adminIdentityName: identity.name
    adminPrincipalId: identity.properties.principalId
  }
}

module techdocs 'modules/techdocs-storage.bicep' = {
  name: 'techdocs-storage'
  params: {
    location: location
    accountName: techdocsStorageAccountName
    readerPrincipalId: identity.properties.principalId
    publisherPrincipalId: pipelinePrincipalId
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    namePrefix: namePrefix
    workspaceId: logs.id
    actionGroupId: alertActionGroupId
  }
}

module app 'modules/containerapp.bicep' = {
  name: 'containerapp'
  params: {
    location: location
    namePrefix: namePrefix
    image: image
    registryServer: registry.properties.loginServer
    identityId: identity.id
    subnetId: network.outputs.containerAppsSubnetId
    logAnalyticsCustomerId: logs.properties.customerId
    logAnalyticsSharedKey: logs.listKeys().primarySharedKey
    keyVaultUri: keyVault.properties.vaultUri
    minReplicas: minReplicas
    maxReplicas: maxReplicas
    concurrentRequestsPerReplica: concurrentRequestsPerReplica
    env: [
      { name: 'APP_BASE_URL', value: baseUrl }
      { name: 'BACKEND_BASE_URL', value: baseUrl }
      { name: 'AZURE_TENANT_ID', value: tenantId }
      // DefaultAzureCredential (PostgreSQL, TechDocs) picks the user-assigned identity by this.
      { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
      { name: 'POSTGRES_AUTH_TYPE', value: 'azure' }
      { name: 'POSTGRES_HOST', value: postgres.outputs.host }
      { name: 'POSTGRES_PORT', value: '5432' }
      { name: 'POSTGRES_USER', value: identity.name }
      { name: 'BACKSTAGE_API_CLIENT_ID', value: backstageApiClientId }
      { name: 'AUTH_MICROSOFT_CLIENT_ID', value: authMicrosoftClientId }
      { name: 'AUTH_MICROSOFT_CLIENT_SECRET', secretRef: 'auth-microsoft-client-secret' }
      { name: 'MSGRAPH_CLIENT_ID', value: msgraphClientId }
      { name: 'MSGRAPH_CLIENT_SECRET', secretRef: 'msgraph-client-secret' }
      { name: 'MSGRAPH_GROUP_FILTER', value: msgraphGroupFilter }
      { name: 'MSGRAPH_USER_GROUP_FILTER', value: msgraphUserGroupFilter }
      { name: 'AZURE_DEVOPS_ORGANIZATION', value: azureDevOpsOrganization }
      { name: 'STAGEDOOR_PIPELINE_PRINCIPAL_ID', value: pipelinePrincipalId }
      { name: 'AZURE_DEVOPS_CLIENT_ID', value: identity.properties.clientId }
      { name: 'TECHDOCS_STORAGE_ACCOUNT', value: techdocs.outputs.accountName }
      { name: 'TECHDOCS_CONTAINER_NAME', value: techdocs.outputs.containerName }
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=1536' }
      // OpenTelemetry traces and metrics to Application Insights (backend src/instrumentation.js).
      { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: monitoring.outputs.connectionString }
    ]
    secretNames: [
      'auth-microsoft-client-secret'
      'msgraph-client-secret'
    ]
  }
  // The app reads Key Vault and pulls from the registry with the identity from its first revision.
  dependsOn: [pullImages, readSecrets]
}

output url string = app.outputs.url
output identityClientId string = identity.properties.clientId
output identityPrincipalId string = identity.properties.principalId
output postgresHost string = postgres.outputs.host
