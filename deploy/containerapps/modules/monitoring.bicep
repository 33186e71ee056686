// Monitoring starters: Application Insights on the environment's Log Analytics workspace (the
// backend exports its OpenTelemetry traces and metrics there when the container has
// APPLICATIONINSIGHTS_CONNECTION_STRING), the operations workbook, and four log alert rules.
// The queries are the .kql files in deploy/monitoring/ (the workbook embeds the same text).
// Thresholds are starting points: tune them to your traffic after a few weeks of data.

@description('Azure region.')
param location string

@description('Prefix of every resource name.')
param namePrefix string

@description('Resource id of the Log Analytics workspace the Container Apps environment logs to.')
param workspaceId string

@description('Resource id of an existing action group to notify (e-mail, Teams, paging); empty: the alerts fire in the portal only.')
param actionGroupId string = ''

@description('Alert when a share of HTTP requests above this percentage answers 5xx within 15 minutes.')
param http5xxPercentThreshold int = 5

@description('Alert when a share of pushes above this percentage is refused within an hour.')
param pushRejectedPercentThreshold int = 50

@description('Alert when entities wait longer than this many seconds for catalog processing.')
param processingLagSecondsThreshold int = 300

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceId
    IngestionMode: 'LogAnalytics'
  }
}

var actions = empty(actionGroupId)
  ? {}
  : {
      actionGroups: [
        actionGroupId
      ]
    }

var rules = [
  {
    key: 'readiness-failures'
    description: 'Backstage replicas fail their readiness, startup or liveness probes.'
    severity: 1
    query: loadTextContent('../../monitoring/readiness-failures.kql')
    measure: 'Failures'
    aggregation: 'Total'
    threshold: 3
    window: 'PT15M'
  }
  {
    key: 'http-5xx-rate'
    description: 'The backend answers a large share of requests with 5xx.'
    severity: 2
    query: loadTextContent('../../monitoring/http-5xx-rate.kql')
    measure: 'FailedPercent'
    aggregation: 'Maximum'
    threshold: http5xxPercentThreshold
    window: 'PT15M'
  }
  {
    key: 'push-rejection-rate'
    description: 'A large share of catalog pushes is refused (see error.type in the workbook).'
    severity: 3
    query: loadTextContent('../../monitoring/push-rejection-rate.kql')
    measure: 'RejectedPercent'
    aggregation: 'Maximum'
    threshold: pushRejectedPercentThreshold
    window: 'PT1H'
  }
  {
    key: 'processing-lag'
    description: 'Entities wait long for the catalog processing loop: pushed changes show late.'
    severity: 2
    query: loadTextContent('../../monitoring/processing-lag.kql')
    measure: 'DelaySeconds'
    aggregation: 'Maximum'
    threshold: processingLagSecondsThreshold
    window: 'PT15M'
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for rule in rules: {
    name: '${namePrefix}-${rule.key}'
    location: location
    properties: {
      displayName: '${namePrefix}: ${rule.key}'
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        workspaceId
      ]
      evaluationFrequency: 'PT5M'
      windowSize: rule.window
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.aggregation
            metricMeasureColumn: rule.measure
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: actions
    }
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name is a GUID; stable per deployment so that redeploying updates it.
  name: guid(resourceGroup().id, namePrefix, 'stagedoor-operations')
  location: location
  kind: 'shared'
  properties: {
    displayName: '${namePrefix}: Stagedoor operations'
    category: 'workbook'
    sourceId: workspaceId
    serializedData: loadTextContent('../../monitoring/workbook.json')
  }
}

@description('Application Insights connection string for the container (APPLICATIONINSIGHTS_CONNECTION_STRING); an ingestion endpoint, not a credential.')
output connectionString string = insights.properties.ConnectionString
