import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { readBicep } from './bicep';

const root = path.resolve(__dirname, '../..');
const monitoringDir = path.join(root, 'deploy/monitoring');
const bicepFile = path.join(
  root,
  'deploy/containerapps/modules/monitoring.bicep',
);
const bicep = readBicep(bicepFile);
const main = readBicep(path.join(root, 'deploy/containerapps/main.bicep'));
const kqlFiles = fs
  .readdirSync(monitoringDir)
  .filter(f => f.endsWith('.kql'))
  .sort();
const workbook = JSON.parse(
  fs.readFileSync(path.join(monitoringDir, 'workbook.json'), 'utf8'),
) as {
  version: string;
  items: {
    type: number;
    name: string;
    content: { query?: string; resourceType?: string };
  }[];
};
const workbookQueries = workbook.items
  .filter(i => i.type === 3)
  .map(i => i.content.query ?? '');

/** The instrument names created in the given sources (`createCounter('name'`, …). */
function instrumentsIn(...files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(
      /create(?:Counter|Histogram|UpDownCounter|ObservableGauge|Gauge)\(\s*['"]([^'"]+)['"]/g,
    ))
      names.add(m[1]);
  }
  return names;
}

const stagedoorMetrics = [
  'backstage-modules/catalog-backend-module-push/src/service/metrics.ts',
  'backstage-modules/scaffolder-backend-module-azure-devops/src/lib/metrics.ts',
];
// Backstage's own catalog metrics (the processing lag), from the installed catalog plugin.
const catalogEngine = path.relative(
  root,
  path.join(
    path.dirname(
      require.resolve('@backstage/plugin-catalog-backend/package.json'),
    ),
    'dist/processing/DefaultCatalogProcessingEngine.cjs.js',
  ),
);

// Structural: no Azure subscription here. The queries' table and column names are those of
// workspace-based Application Insights (AppRequests, AppMetrics) and Container Apps
// (ContainerAppSystemLogs_CL); what is checked is that everything refers to what exists.
describe('Azure Monitor starters (deploy/monitoring, modules/monitoring.bicep)', () => {
  it('has an alert rule for readiness failures, the 5xx rate, the push rejection rate and processing lag', () => {
    const keys = [...bicep.text.matchAll(/^\s*key:\s*'([^']+)'/gm)].map(
      m => m[1],
    );
    assert.deepEqual(keys.sort(), [
      'http-5xx-rate',
      'processing-lag',
      'push-rejection-rate',
      'readiness-failures',
    ]);
    assert.match(
      bicep.text,
      /resource alerts 'Microsoft\.Insights\/scheduledQueryRules@[^']+' = \[\s*for rule in rules:/,
    );
  });

  it('loads every query from a .kql file that exists, and every .kql file is used by the workbook', () => {
    const loaded = [
      ...bicep.text.matchAll(
        /loadTextContent\('\.\.\/\.\.\/monitoring\/([^']+)'\)/g,
      ),
    ].map(m => m[1]);
    for (const file of loaded)
      assert.ok(
        fs.existsSync(path.join(monitoringDir, file)),
        `${file} is loaded but missing`,
      );
    for (const file of kqlFiles) {
      assert.ok(loaded.includes(file), `${file} has no alert rule`);
      const query = fs.readFileSync(path.join(monitoringDir, file), 'utf8');
      assert.ok(
        workbookQueries.includes(query),
        `the workbook does not show ${file} as it is`,
      );
    }
    assert.ok(loaded.includes('workbook.json'));
  });

  it('measures, in every alert rule, a column its query produces', () => {
    const rules = [
      ...bicep.text.matchAll(
        /loadTextContent\('\.\.\/\.\.\/monitoring\/([^']+\.kql)'\)\s*measure:\s*'(\w+)'/g,
      ),
    ];
    assert.equal(rules.length, kqlFiles.length);
    for (const [, file, measure] of rules) {
      const query = fs.readFileSync(path.join(monitoringDir, file), 'utf8');
      assert.match(
        query,
        new RegExp(`\\b${measure}\\s*=`),
        `${file} does not produce ${measure}`,
      );
      assert.match(query, /bin\(TimeGenerated,/, `${file} bins by time`);
    }
  });

  it('queries only metric names and attributes the code records', () => {
    const instruments = instrumentsIn(...stagedoorMetrics, catalogEngine);
    const sources = stagedoorMetrics
      .map(f => fs.readFileSync(path.join(root, f), 'utf8'))
      .join('\n');
    const queries = [
      ...workbookQueries,
      ...kqlFiles.map(f =>
        fs.readFileSync(path.join(monitoringDir, f), 'utf8'),
      ),
    ];
    let names = 0;
    for (const query of queries) {
      for (const m of query.matchAll(/Name (?:==|in) \(?([^)\n]+)\)?/g)) {
        for (const name of m[1].matchAll(/'([^']+)'/g)) {
          names++;
          assert.ok(instruments.has(name[1]), `no instrument ${name[1]}`);
        }
      }
      for (const m of query.matchAll(/Properties\['([^']+)'\]/g))
        assert.ok(
          sources.includes(`'${m[1]}'`),
          `no metric records the attribute ${m[1]}`,
        );
    }
    assert.ok(names >= 5, 'the queries name the metrics they read');
  });

  it('is a workbook over the Log Analytics workspace, deployed with the environment', () => {
    assert.equal(workbook.version, 'Notebook/1.0');
    for (const item of workbook.items.filter(i => i.type === 3))
      assert.equal(
        item.content.resourceType,
        'microsoft.operationalinsights/workspaces',
        item.name,
      );
    assert.match(
      bicep.text,
      /serializedData:\s*loadTextContent\('\.\.\/\.\.\/monitoring\/workbook\.json'\)/,
    );
    const module = main.modules.find(
      m => m.path === 'modules/monitoring.bicep',
    );
    assert.ok(module, 'main.bicep deploys modules/monitoring.bicep');
    assert.ok(module.params.includes('workspaceId'));
  });

  it('sends the backend telemetry to the Application Insights it creates', () => {
    assert.match(
      main.text,
      /\{ name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: monitoring\.outputs\.connectionString \}/,
    );
    assert.match(bicep.text, /^output connectionString string = insights\./m);
    assert.match(bicep.text, /WorkspaceResourceId:\s*workspaceId/);
    const instrumentation = fs.readFileSync(
      path.join(root, 'backstage-modules/backend/src/instrumentation.js'),
      'utf8',
    );
    assert.match(instrumentation, /env\.APPLICATIONINSIGHTS_CONNECTION_STRING/);
  });
});
