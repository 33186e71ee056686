// The Container Apps environment (in the virtual network) and the Backstage container app:
// ingress on 7007, min/max replicas with an HTTP scaling rule, Key Vault secret references,
// the user-assigned managed identity, and probes on Backstage's health endpoints.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('Container image.')
param image string

@description('Login server of the registry; the image is pulled with the managed identity.')
param registryServer string

@description('Resource ID of the user-assigned managed identity.')
param identityId string

@description('Subnet delegated to Microsoft.App/environments.')
param subnetId string

@description('Log Analytics workspace for the console and system logs.')
param logAnalyticsCustomerId string

@secure()
param logAnalyticsSharedKey string

@description('Key Vault URI, e.g. https://kv-contoso.vault.azure.net/.')
param keyVaultUri string

@description('Names of Key Vault secrets to expose as container app secrets of the same name.')
param secretNames array

@description('Environment variables: { name, value } or { name, secretRef }.')
param env array

param minReplicas int
param maxReplicas int
param concurrentRequestsPerReplica int

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${namePrefix}-env'
  location: location
  properties: {
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: false
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    zoneRedundant: true
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalyticsCustomerId
        sharedKey: logAnalyticsSharedKey
      }
    }
  }
}

var healthPort = 7007

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: '${namePrefix}-app'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 7007
        transport: 'http'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      // References only: the values stay in Key Vault and are read with the identity.
      secrets: [for name in secretNames: {
        name: name
        keyVaultUrl: '${keyVaultUri}secrets/${name}'
        identity: identityId
      }]
    }
    template: {
      containers: [
        {
          name: 'backstage'
          image: image
          env: env
          resources: {
            cpu: json('1.0')
            memory: '2Gi'
          }
          probes: [
            // Start-up ends when the backend is ready, not merely listening: a replica whose
            // start-up failed or hangs is restarted after 3 min (18 s x 10; Container Apps allows
            // at most 10 failures). Liveness stays on /liveness. docs/deployment.md, "Several replicas".
            {
              type: 'Startup'
              httpGet: {
                path: '/.backstage/health/v1/readiness'
                port: healthPort
              }
              periodSeconds: 18
              timeoutSeconds: 5
              failureThreshold: 10
            }
            {
              type: 'Liveness'
              httpGet: {
                path: '/.backstage/health/v1/liveness'
                port: healthPort
              }
              periodSeconds: 15
              failureThreshold: 4
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/.backstage/health/v1/readiness'
                port: healthPort
              }
              periodSeconds: 10
              failureThreshold: 3
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http-concurrency'
            http: {
              metadata: {
                concurrentRequests: string(concurrentRequestsPerReplica)
              }
            }
          }
        ]
      }
    }
  }
}

output url string = 'https://${app.properties.configuration.ingress.fqdn}'
