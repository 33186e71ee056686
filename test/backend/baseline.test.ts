import { strict as assert } from 'node:assert';
import {
  BackendApp,
  DEV_TOKEN,
  eventually,
  startBackendApp,
} from '../fixtures/backendApp';
import {
  dropDatabases,
  postgresDatabaseConfig,
  requirePostgres,
  uniquePrefix,
} from '../fixtures/postgres';

const SAMPLES = [
  'domain:payments',
  'system:checkout',
  'component:checkout-service',
  'component:checkout-web',
  'api:checkout-api',
  'resource:checkout-db',
  'group:platform-team',
  'user:guest',
];

/** The entity names once every sample entity is in the catalog. */
async function sampleEntities(app: BackendApp): Promise<string[] | undefined> {
  const res = await fetch(
    `${app.baseUrl}/api/catalog/entities?fields=kind,metadata.name`,
    {
      headers: { Authorization: `Bearer ${DEV_TOKEN}` },
    },
  );
  if (res.status !== 200) return undefined;
  const body = (await res.json()) as {
    kind: string;
    metadata: { name: string };
  }[];
  const names = body
    .map(e => `${e.kind}:${e.metadata.name}`.toLowerCase())
    .sort();
  return SAMPLES.every(n => names.includes(n)) ? names : undefined;
}

describe('the baseline backend', function () {
  this.timeout(180_000);

  describe('on embedded SQLite', () => {
    let app: BackendApp;
    before(async () => {
      app = await startBackendApp();
    });
    after(async () => {
      await app?.stop();
    });

    it('serves the sample entities to the development token', async () => {
      const names = await eventually(
        () => sampleEntities(app),
        60_000,
        'the sample entities',
      );
      for (const sample of SAMPLES)
        assert.ok(names.includes(sample), `${sample} is missing`);
    });

    it('rejects calls without a token', async () => {
      const res = await fetch(`${app.baseUrl}/api/catalog/entities`);
      assert.equal(res.status, 401);
    });

    it('prints where it listens and how to call it', async () => {
      await eventually(
        async () =>
          app.output().includes(`Bearer ${DEV_TOKEN}`) ? true : undefined,
        10_000,
        'the start-up banner',
      );
      assert.match(app.output(), new RegExp(`listening on ${app.baseUrl}`));
    });
  });

  describe('on PostgreSQL', () => {
    let app: BackendApp | undefined;
    let url: string;
    const prefix = uniquePrefix();
    before(async function () {
      url = requirePostgres(this);
      app = await startBackendApp({
        config: { backend: { database: postgresDatabaseConfig(url, prefix) } },
      });
    });
    after(async () => {
      await app?.stop();
      if (url) await dropDatabases(url, prefix);
    });

    it('serves the sample entities from PostgreSQL', async () => {
      const names = await eventually(
        () => sampleEntities(app!),
        60_000,
        'the sample entities',
      );
      assert.ok(names.includes('component:checkout-web'));
    });
  });
});
