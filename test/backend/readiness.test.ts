import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigReader } from '@backstage/config';
import { configuredEntityRefs } from '../../backstage-modules/backend/src/catalogReadiness';
import { BackendApp, DEV_TOKEN, startBackendApp } from '../fixtures/backendApp';

/** Every entity of the development config's catalog.locations, as the catalog admits them. */
const EXAMPLES = [
  'api:default/checkout-api',
  'component:default/checkout-service',
  'component:default/checkout-web',
  'domain:default/payments',
  'group:default/platform-team',
  'resource:default/checkout-db',
  'system:default/checkout',
  'template:default/dotnet-microservice',
  'template:default/nodejs-service',
  'template:default/team-service-connection',
  'user:default/guest',
];

describe('the baseline backend is ready once its example entities are readable', function () {
  this.timeout(180_000);
  let app: BackendApp;
  before(async () => {
    app = await startBackendApp();
  });
  after(async () => {
    await app?.stop();
  });

  it('serves every example entity at the first request after readiness', async () => {
    // No retry: readiness alone must mean the catalog answers with them.
    const res = await fetch(`${app.baseUrl}/api/catalog/entities/by-refs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${DEV_TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ entityRefs: EXAMPLES }),
    });
    assert.equal(res.status, 200);
    const { items } = (await res.json()) as { items: unknown[] };
    assert.deepEqual(
      EXAMPLES.filter((_, i) => !items[i]),
      [],
      'entities missing right after readiness',
    );
    assert.match(
      app.output(),
      /Ready: the catalog serves the \d+ entities of catalog\.locations/,
    );
  });
});

describe('the entities readiness waits for', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'stagedoor-readiness-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are those of the file locations that the catalog rules admit', () => {
    const file = (name: string, content: string) => {
      writeFileSync(join(dir, name), content);
      return join(dir, name);
    };
    const org = file(
      'org.yaml',
      'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: ann\n  namespace: people\nspec: {}\n',
    );
    const mixed = file(
      'mixed.yaml',
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Svc\nspec: {}\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: refused\nspec: {}\n---\nnot: [valid\n',
    );
    const config = (catalog: object) =>
      configuredEntityRefs(new ConfigReader({ catalog }));
    const locations = [
      { type: 'file', target: org, rules: [{ allow: ['Group', 'User'] }] },
      { type: 'file', target: mixed },
      { type: 'file', target: join(dir, 'missing.yaml') },
      { type: 'url', target: 'https://example.com/catalog-info.yaml' },
    ];
    assert.deepEqual(config({ locations }), [
      'component:default/svc',
      'group:default/team',
      'user:people/ann',
    ]);
    assert.deepEqual(config({ locations, rules: [{ allow: ['Group'] }] }), [
      'group:default/refused',
      'group:default/team',
      'user:people/ann',
    ]);
    assert.deepEqual(config({}), []);
  });
});
