import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import {
  bracketProblems,
  readBicep,
  stripCommentsAndStrings,
  type BicepFile,
} from './bicep';
import { requiredProductionVariables } from './productionEnv';

const dir = path.resolve(__dirname, '../../deploy/containerapps');
const bicepFiles = [
  'main.bicep',
  ...fs
    .readdirSync(path.join(dir, 'modules'))
    .filter(f => f.endsWith('.bicep'))
    .map(f => `modules/${f}`),
];
const files = new Map<string, BicepFile>(
  bicepFiles.map(f => [f, readBicep(path.join(dir, f))]),
);
const main = files.get('main.bicep')!;

const SECRET_NAME = /(secret|password|key|token|connectionstring)$/i;

// The bicep CLI cannot be installed here (a .NET binary from GitHub releases): these checks
// are structural. CI with network access should add `az bicep build --file main.bicep`.
describe('Container Apps Bicep (structural; the bicep compiler is not available here)', () => {
  it('balances its brackets in every file', () => {
    for (const [name, file] of files)
      assert.deepEqual(bracketProblems(file.code), [], name);
  });

  it('uses every parameter it declares, and declares every module parameter it passes', () => {
    for (const [name, file] of files) {
      for (const param of file.params) {
        const uses =
          file.code.match(new RegExp(`\\b${param.name}\\b`, 'g')) ?? [];
        assert.ok(
          uses.length > 1,
          `${name}: parameter ${param.name} is never used`,
        );
      }
      for (const ref of file.modules) {
        const target = path.posix.join(path.posix.dirname(name), ref.path);
        const module = files.get(target);
        assert.ok(
          module,
          `${name}: module ${ref.symbol} points at ${ref.path}, which does not exist`,
        );
        const declared = module.params.map(p => p.name);
        for (const passed of ref.params) {
          assert.ok(
            declared.includes(passed),
            `${name}: ${ref.symbol} passes ${passed}, not a parameter of ${target}`,
          );
        }
        for (const param of module.params.filter(p => !p.hasDefault)) {
          assert.ok(
            ref.params.includes(param.name),
            `${name}: ${ref.symbol} does not pass required ${param.name}`,
          );
        }
      }
    }
  });

  it('refers only to symbols it declares', () => {
    const builtins = new Set(['resourceGroup', 'subscription', 'az', 'sys']);
    for (const [name, file] of files) {
      for (const match of file.code.matchAll(
        /\b([a-zA-Z_]\w*)\.(id|name|properties|outputs|listKeys)\b/g,
      )) {
        const symbol = match[1];
        if (builtins.has(symbol)) continue;
        assert.ok(
          file.symbols.includes(symbol),
          `${name}: ${symbol}.${match[2]} refers to an undeclared symbol`,
        );
      }
    }
  });

  it('keeps secrets out of the templates and the parameter file', () => {
    for (const [name, file] of files) {
      for (const param of file.params.filter(p => SECRET_NAME.test(p.name))) {
        assert.ok(
          param.secure,
          `${name}: ${param.name} looks secret and needs @secure()`,
        );
        assert.ok(
          !param.hasDefault,
          `${name}: secure ${param.name} must not have a default`,
        );
      }
      assert.doesNotMatch(
        file.text,
        /AccountKey=|SharedAccessSignature|sig=|BEGIN [A-Z ]*PRIVATE KEY/,
      );
    }
    // main.bicep takes no secret at all: Key Vault references and managed identities only.
    assert.deepEqual(
      main.params
        .filter(p => p.secure || SECRET_NAME.test(p.name))
        .map(p => p.name),
      [],
    );
    const paramFile = fs.readFileSync(
      path.join(dir, 'main.bicepparam'),
      'utf8',
    );
    const assigned = [...paramFile.matchAll(/^param\s+(\w+)\s*=/gm)].map(
      m => m[1],
    );
    assert.deepEqual(
      assigned.filter(n => SECRET_NAME.test(n)),
      [],
    );
    for (const n of assigned)
      assert.ok(
        main.params.some(p => p.name === n),
        `main.bicepparam sets unknown ${n}`,
      );
    for (const p of main.params.filter(x => !x.hasDefault)) {
      assert.ok(
        assigned.includes(p.name),
        `main.bicepparam does not set required ${p.name}`,
      );
    }
  });

  it('sets every variable the production config requires on the container', () => {
    const envNames = [
      ...main.text.matchAll(
        /\{\s*name:\s*'([A-Z0-9_]+)',\s*(?:value|secretRef):/g,
      ),
    ].map(m => m[1]);
    const missing = requiredProductionVariables().filter(
      v => !envNames.includes(v),
    );
    assert.deepEqual(missing, []);
    for (const secretRef of main.text.matchAll(/secretRef:\s*'([^']+)'/g)) {
      assert.match(
        main.text,
        new RegExp(`'${secretRef[1]}'\\s*\\n`),
        `secret ${secretRef[1]} is not in secretNames`,
      );
    }
  });

  it('runs the app with ingress on 7007, min/max replicas, an HTTP scaling rule, probes and a managed identity', () => {
    const app = files.get('modules/containerapp.bicep')!.text;
    assert.match(app, /targetPort:\s*7007/);
    assert.match(app, /minReplicas:\s*minReplicas/);
    assert.match(app, /maxReplicas:\s*maxReplicas/);
    assert.match(app, /http:\s*\{\s*metadata:\s*\{\s*concurrentRequests:/);
    assert.match(app, /type:\s*'UserAssigned'/);
    assert.match(app, /keyVaultUrl:/);
    assert.match(app, /path:\s*'\/\.backstage\/health\/v1\/readiness'/);
    assert.match(app, /path:\s*'\/\.backstage\/health\/v1\/liveness'/);
    assert.match(main.text, /param minReplicas int = 2/);
  });

  it('starts up on readiness within a bound, keeps liveness on liveness, inside Container Apps’ probe limits', () => {
    const app = files.get('modules/containerapp.bicep')!.text;
    const probes = new Map(
      [
        ...app.matchAll(
          /\{\s*type:\s*'(\w+)'\s*httpGet:\s*\{\s*path:\s*'([^']+)'[^}]*\}([^}]*)\}/g,
        ),
      ].map(([, type, path, rest]) => {
        const number = (key: string) =>
          Number(new RegExp(`${key}:\\s*(\\d+)`).exec(rest)?.[1] ?? NaN);
        return [
          type,
          {
            path,
            periodSeconds: number('periodSeconds'),
            failureThreshold: number('failureThreshold'),
          },
        ];
      }),
    );
    assert.deepEqual([...probes.keys()].sort(), [
      'Liveness',
      'Readiness',
      'Startup',
    ]);
    const startup = probes.get('Startup')!;
    assert.equal(startup.path, '/.backstage/health/v1/readiness');
    assert.equal(
      probes.get('Liveness')!.path,
      '/.backstage/health/v1/liveness',
    );
    assert.equal(
      probes.get('Readiness')!.path,
      '/.backstage/health/v1/readiness',
    );
    const budget = startup.periodSeconds * startup.failureThreshold;
    assert.ok(budget >= 60 && budget <= 600, `startup budget ${budget} s`);
    // The Container Apps API refuses failureThreshold above 10 and periodSeconds above 240.
    for (const [type, probe] of probes) {
      assert.ok(
        probe.failureThreshold >= 1 && probe.failureThreshold <= 10,
        `${type}: failureThreshold ${probe.failureThreshold}`,
      );
      assert.ok(
        probe.periodSeconds >= 1 && probe.periodSeconds <= 240,
        `${type}: periodSeconds ${probe.periodSeconds}`,
      );
    }
  });

  it('gives PostgreSQL private access only, with Entra authentication and TLS', () => {
    const pg = files.get('modules/postgres.bicep')!.text;
    assert.match(pg, /delegatedSubnetResourceId:\s*subnetId/);
    assert.match(pg, /publicNetworkAccess:\s*'Disabled'/);
    assert.match(pg, /activeDirectoryAuth:\s*'Enabled'/);
    assert.match(pg, /passwordAuth:\s*'Disabled'/);
    assert.match(pg, /ssl_min_protocol_version/);
    assert.doesNotMatch(
      stripCommentsAndStrings(pg),
      /administratorLoginPassword/,
    );
  });

  it('grants Storage Blob Data Reader to Backstage and Contributor to the pipeline identity on the TechDocs container', () => {
    const storage = files.get('modules/techdocs-storage.bicep')!.text;
    // Built-in role IDs: Storage Blob Data Reader, Storage Blob Data Contributor.
    assert.match(
      storage,
      /storageBlobDataReader = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'/,
    );
    assert.match(
      storage,
      /storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'/,
    );
    assert.match(storage, /principalId:\s*readerPrincipalId[\s\S]*?/);
    assert.match(
      storage,
      /roleDefinitions', storageBlobDataReader\)\s*\n\s*principalId: readerPrincipalId/,
    );
    assert.match(
      storage,
      /roleDefinitions', storageBlobDataContributor\)\s*\n\s*principalId: publisherPrincipalId/,
    );
    assert.match(storage, /allowSharedKeyAccess:\s*false/);
    assert.match(main.text, /publisherPrincipalId:\s*pipelinePrincipalId/);
    assert.match(
      main.text,
      /readerPrincipalId:\s*identity\.properties\.principalId/,
    );
  });
});
