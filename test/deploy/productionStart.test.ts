import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { Client } from 'pg';
import { startAzurite, type RunningAzurite } from '../fixtures/azurite';
import { eventually, freePort } from '../fixtures/backendApp';
import { startFakeEntra, type FakeEntra } from '../fixtures/entra';
import {
  dropDatabases,
  requirePostgres,
  uniquePrefix,
} from '../fixtures/postgres';
import { backendDir, placeholderEnv } from './productionEnv';

/** A push of one repository's catalog file, as BackstageCatalogNotify@1 sends it. */
function pushBody() {
  return {
    source: {
      organizationUrl: 'https://dev.azure.com/contoso',
      project: 'shop',
      repositoryName: 'checkout',
      branch: 'refs/heads/main',
      commit: 'a'.repeat(40),
      buildId: 1,
    },
    files: [
      {
        path: 'catalog-info.yaml',
        content: [
          'apiVersion: backstage.io/v1alpha1',
          'kind: Component',
          'metadata:',
          '  name: checkout-service',
          'spec:',
          '  type: service',
          '  lifecycle: production',
          '  owner: group:default/platform-team',
          '',
        ].join('\n'),
      },
    ],
  };
}

/** `npm run start:production -w backend` (the container's command), as node arguments. */
function productionStartArgs(): string[] {
  const pkg = JSON.parse(
    fs.readFileSync(path.join(backendDir, 'package.json'), 'utf8'),
  );
  const [bin, ...args] = String(pkg.scripts['start:production']).split(/\s+/);
  assert.equal(bin, 'node', 'start:production should run node directly');
  return args;
}

/*
 * The production configuration, unchanged, against the local PostgreSQL. What differs from
 * Azure comes in as environment only, the way a deployment sets it:
 * - TLS to PostgreSQL is off (APP_CONFIG_backend_database_connection_ssl=false): the local
 *   server has no certificate. Everything else about the database is the production path.
 * - ENTRA_AUTHORITY_HOST points at the loopback fake Entra ID, so the jwks entry verifies
 *   real RS256 tokens against its keys.
 * - The TechDocs publisher gets Azurite's connection string, which techdocs-node prefers to
 *   the managed identity; its start-up readiness check then reaches Azurite, not Azure.
 * - Microsoft Graph ingestion stays idle (first run in an hour): its credential would call
 *   the Azure instance metadata endpoint, which is not loopback.
 * The entity to read arrives the production way: pushed by the pipelines' identity with an
 * Entra ID token, allowed by the push rule of app-config.production.yaml.
 */
describe('the backend on the production configuration', function () {
  this.timeout(240_000);
  const tenant = '00000000-0000-4000-8000-0000000000aa';
  const apiClientId = '00000000-0000-4000-8000-0000000000bb';
  let postgresUrl: string;
  let prefix: string;
  let tmp: string;
  let entra: FakeEntra;
  let azurite: RunningAzurite;
  let child: ChildProcess | undefined;
  let output = '';
  let baseUrl: string;

  /** A client-credentials token from the fake Entra ID (self-signed: trust its CA explicitly). */
  function entraToken(clientId: string, scope: string): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: 'pipeline-secret',
      scope,
    }).toString();
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${entra.url}/${tenant}/oauth2/v2.0/token`,
        {
          method: 'POST',
          ca: entra.caPem,
          timeout: 10_000,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
        res => {
          let text = '';
          res.setEncoding('utf8').on('data', d => (text += d));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(JSON.parse(text).access_token)
              : reject(new Error(`token: ${res.statusCode} ${text}`)),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error('token request timed out')),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  before(async function () {
    postgresUrl = requirePostgres(this);
    prefix = uniquePrefix();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stagedoor-deploy-start-'));
    [entra, azurite] = await Promise.all([
      startFakeEntra(),
      startAzurite({ memoryLimitMb: 64 }),
    ]);
    const pipeline = entra.registerApp({
      tenantId: tenant,
      clientId: 'pipeline-app',
      secret: 'pipeline-secret',
    });
    entra.registerApp({
      tenantId: tenant,
      clientId: 'other-app',
      secret: 'pipeline-secret',
    });

    await BlobServiceClient.fromConnectionString(
      azurite.connectionString,
    ).createContainer('techdocs');

    const caFile = path.join(tmp, 'ca.pem');
    fs.writeFileSync(
      caFile,
      '-----BEGIN CERTIFICATE-----\nunused: TLS is off in this test\n-----END CERTIFICATE-----\n',
    );
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const pg = new URL(postgresUrl);
    const env: Record<string, string> = {
      ...placeholderEnv(caFile),
      NODE_ENV: 'production',
      APP_BASE_URL: baseUrl,
      BACKEND_BASE_URL: baseUrl,
      POSTGRES_HOST: pg.hostname,
      POSTGRES_PORT: pg.port || '5432',
      POSTGRES_USER: decodeURIComponent(pg.username || 'postgres'),
      POSTGRES_DATABASE_PREFIX: prefix,
      AZURE_TENANT_ID: tenant,
      STAGEDOOR_PIPELINE_PRINCIPAL_ID: pipeline.objectId,
      BACKSTAGE_API_CLIENT_ID: apiClientId,
      ENTRA_AUTHORITY_HOST: entra.url,
      NODE_EXTRA_CA_CERTS: entra.caFile,
      APP_CONFIG_backend_listen_port: String(port),
      APP_CONFIG_backend_listen_host: '127.0.0.1',
      APP_CONFIG_backend_database_connection_ssl: 'false',
      APP_CONFIG_techdocs_publisher_azureBlobStorage_connectionString:
        azurite.connectionString,
      APP_CONFIG_catalog_providers_microsoftGraphOrg_schedule_initialDelay:
        '{"hours":1}',
    };
    if (pg.password) env.POSTGRES_PASSWORD = decodeURIComponent(pg.password);
    else delete env.POSTGRES_PASSWORD;
    // The child gets this environment only: nothing of the developer's leaks into the run.
    const inherited = Object.fromEntries(
      ['PATH', 'HOME', 'TMPDIR', 'LANG'].flatMap(k =>
        process.env[k] ? [[k, process.env[k]!]] : [],
      ),
    );
    child = spawn(process.execPath, productionStartArgs(), {
      cwd: backendDir,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8').on('data', d => (output += d));
    child.stderr!.setEncoding('utf8').on('data', d => (output += d));

    const started = Date.now();
    await eventually(
      async () => {
        if (child!.exitCode !== null)
          throw new Error(`backend exited with ${child!.exitCode}:\n${output}`);
        const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`, {
          signal: AbortSignal.timeout(2_000),
        });
        return res.status === 200 ? true : undefined;
      },
      150_000,
      'readiness',
    ).catch(error => {
      const log = path.join(
        os.tmpdir(),
        `stagedoor-deploy-start-${process.pid}.log`,
      );
      fs.writeFileSync(log, output);
      const lines = output
        .split('\n')
        .filter(l => !l.includes('"type":"incomingRequest"'));
      throw new Error(
        `${error.message}\n--- backend output (full: ${log}) ---\n${lines.slice(-60).join('\n')}`,
      );
    });
    console.log(
      `      (ready on PostgreSQL in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(r => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await Promise.all([entra?.close(), azurite?.stop()]);
    if (postgresUrl && prefix) await dropDatabases(postgresUrl, prefix);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('answers the liveness and readiness probes the manifests use', async () => {
    for (const probe of ['liveness', 'readiness']) {
      const res = await fetch(`${baseUrl}/.backstage/health/v1/${probe}`);
      assert.equal(res.status, 200, probe);
    }
  });

  it('keeps its plugin databases in PostgreSQL under the configured prefix', async () => {
    const client = new Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname',
        [`${prefix}%`],
      );
      const names = rows.map(r => r.datname);
      for (const plugin of ['auth', 'catalog', 'scaffolder'])
        assert.ok(names.includes(`${prefix}${plugin}`), names.join());
    } finally {
      await client.end();
    }
  });

  it("accepts a push from the pipelines' Entra ID identity and serves the entity", async () => {
    const token = await entraToken(
      'pipeline-app',
      `api://${apiClientId}/.default`,
    );
    const push = await fetch(`${baseUrl}/api/catalog/stagedoor/v1/push`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(pushBody()),
    });
    assert.equal(push.status, 200, await push.clone().text());
    const entity = await eventually(
      async () => {
        const res = await fetch(
          `${baseUrl}/api/catalog/entities/by-name/component/default/checkout-service`,
          {
            headers: { Authorization: `Bearer ${token}` },
          },
        );
        return res.status === 200
          ? ((await res.json()) as { metadata: { name: string } })
          : undefined;
      },
      90_000,
      'checkout-service in the catalog',
    );
    assert.equal(entity.metadata.name, 'checkout-service');
  });

  it('offers the three shipped templates', async () => {
    const token = await entraToken('pipeline-app', `${apiClientId}/.default`);
    const names = await eventually(
      async () => {
        const res = await fetch(
          `${baseUrl}/api/catalog/entities?filter=kind=template&fields=metadata.name`,
          { headers: { Authorization: `Bearer ${token}` } },
        );
        if (res.status !== 200) return undefined;
        const body = (await res.json()) as { metadata: { name: string } }[];
        return body.length >= 3
          ? body.map(e => e.metadata.name).sort()
          : undefined;
      },
      60_000,
      'the templates',
    );
    assert.deepEqual(names, [
      'dotnet-microservice',
      'nodejs-service',
      'team-service-connection',
    ]);
  });

  it('refuses a push from an identity no push rule names', async () => {
    const token = await entraToken('other-app', `${apiClientId}/.default`);
    const res = await fetch(`${baseUrl}/api/catalog/stagedoor/v1/push`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(pushBody()),
    });
    assert.equal(res.status, 403);
  });

  it('refuses tokens for another audience, and calls without a token', async () => {
    const other = await entraToken(
      'pipeline-app',
      'api://some-other-api/.default',
    );
    const url = `${baseUrl}/api/catalog/entities?limit=1`;
    assert.equal(
      (await fetch(url, { headers: { Authorization: `Bearer ${other}` } }))
        .status,
      401,
    );
    assert.equal((await fetch(url)).status, 401);
  });

  it('limits Entra ID tokens to the catalog', async () => {
    const token = await entraToken('pipeline-app', `${apiClientId}/.default`);
    const res = await fetch(`${baseUrl}/api/scaffolder/v2/actions`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.ok(
      [401, 403].includes(res.status),
      `scaffolder answered ${res.status}`,
    );
  });

  it('offers Microsoft Entra ID sign-in and no guest sign-in', async () => {
    const start = await fetch(
      `${baseUrl}/api/auth/microsoft/start?env=production`,
      { redirect: 'manual' },
    );
    assert.equal(start.status, 302);
    assert.match(
      start.headers.get('location') ?? '',
      new RegExp(`/${tenant}/oauth2/v2.0/authorize\\?`),
    );
    const guest = await fetch(
      `${baseUrl}/api/auth/guest/refresh?env=production`,
    );
    assert.equal(guest.status, 404);
  });

  it('stays well inside the 1Gi memory limit of the manifests', function () {
    const status = `/proc/${child!.pid}/status`;
    if (!fs.existsSync(status)) this.skip();
    const rssKb = Number(
      /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(status, 'utf8'))?.[1],
    );
    console.log(
      `      (resident memory after the tests: ${Math.round(rssKb / 1024)} MiB)`,
    );
    assert.ok(rssKb < 768 * 1024, `${rssKb} kB resident`);
  });

  it('does not print the development token', () => {
    assert.doesNotMatch(output, /stagedoor-dev-token|Try: curl/);
  });
});
