// Azure Database for PostgreSQL Flexible Server with private access only, TLS required,
// Microsoft Entra authentication only (no password exists), and Backstage's managed identity
// as the Entra administrator so it can create its plugin databases.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('Tenant of the Entra administrator.')
param tenantId string

@description('Delegated subnet for the server.')
param subnetId string

@description('Private DNS zone linked to the virtual network.')
param privateDnsZoneId string

@description('Backstage\'s user-assigned managed identity: name and principal (object) ID.')
param adminIdentityName string
param adminPrincipalId string

@description('Compute tier and size; Burstable B2s holds two Backstage replicas.')
param skuName string = 'Standard_B2s'
param skuTier string = 'Burstable'

@description('Days of point-in-time restore; test a restore regularly (docs/production-checklist.md).')
@minValue(7)
@maxValue(35)
param backupRetentionDays int = 14

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: '${namePrefix}-pg'
  location: location
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: '16'
    storage: {
      storageSizeGB: 32
      autoGrow: 'Enabled'
    }
    network: {
      delegatedSubnetResourceId: subnetId
      privateDnsZoneArmResourceId: privateDnsZoneId
      publicNetworkAccess: 'Disabled'
    }
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled'
      tenantId: tenantId
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: 'Enabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
  }
}

// TLS 1.2+ only; require_secure_transport is on by default and stays on.
resource minTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'ssl_min_protocol_version'
  properties: {
    value: 'TLSv1.2'
    source: 'user-override'
  }
}

resource entraAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: server
  name: adminPrincipalId
  properties: {
    principalType: 'ServicePrincipal'
    principalName: adminIdentityName
    tenantId: tenantId
  }
  dependsOn: [minTls]
}

output host string = server.properties.fullyQualifiedDomainName
