import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import {
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { runTask } from '../../fixtures/agent';
import { cleanRepos, component, ensureBuilt, makeRepo } from './helpers';

const TOKEN = 'mock-service-token';

/** Polls `fn` until it returns a value, or fails after `timeoutMs`. */
async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 250));
  }
}

describe('BackstageCatalogValidate@1 with references looked up in a live catalog', function () {
  this.timeout(180_000);
  let backend: TestBackend;
  let baseUrl: string;

  before(async () => {
    ensureBuilt();
    const org = makeRepo({
      'org.yaml':
        'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-live\nspec:\n  type: team\n  children: []\n---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: checkout\nspec:\n  owner: team-live\n',
    });
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [{ allow: ['Group', 'System', 'Component'] }],
              locations: [{ type: 'file', target: join(org, 'org.yaml') }],
            },
          },
        }),
      ],
    });
    baseUrl = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}`;
    await eventually(
      async () => {
        const res = await fetch(`${baseUrl}/api/catalog/entities/by-refs`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TOKEN}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            entityRefs: ['group:default/team-live', 'system:default/checkout'],
          }),
        });
        const body = (await res.json()) as { items: unknown[] };
        return body.items.every(Boolean) ? true : undefined;
      },
      60_000,
      'the catalog to hold the org entities',
    );
  });
  after(async () => {
    await backend?.stop();
    cleanRepos();
  });

  it('accepts references the catalog holds and names the ones it does not', async () => {
    const root = makeRepo({
      'catalog-info.yaml': component('billing', '', 'team-live').replace(
        'owner: team-live',
        'owner: team-live\n  system: checkout\n  dependsOn: [resource:ghost-db]',
      ),
    });
    const run = await runTask('BackstageCatalogValidateV1', {
      sourcesDirectory: root,
      inputs: { checkReferences: 'true', backstageConnection: 'bs' },
      endpoints: {
        bs: { url: baseUrl, scheme: 'Token', parameters: { apitoken: TOKEN } },
      },
    });
    const issues = run.commands.filter(c => c.command === 'task.logissue');
    assert.deepEqual(
      issues.map(c => `${c.properties.code} ${c.properties.linenumber}`),
      ['ref/unresolved 10'],
      run.stdout,
    );
    assert.match(
      issues[0].message,
      /resource:default\/ghost-db, which is defined neither in these files nor in the catalog/,
    );
    assert.match(
      run.log.join('\n'),
      /Looked up 3 reference\(s\) in http:\/\/127\.0\.0\.1:\d+: 2 exist/,
    );
    assert.equal(run.result, 'SucceededWithIssues');
    assert.ok(
      run.secrets.includes(TOKEN),
      'the token is registered as a secret',
    );
    assert.ok(!run.log.join('\n').includes(TOKEN));
  });

  it('warns and goes on when Backstage cannot be reached', async () => {
    const root = makeRepo({
      'catalog-info.yaml': component('billing', '', 'team-live'),
    });
    writeFileSync(join(root, 'README.md'), '');
    const run = await runTask('BackstageCatalogValidateV1', {
      sourcesDirectory: root,
      inputs: { checkReferences: 'true', backstageConnection: 'bs' },
      endpoints: {
        bs: {
          url: 'http://127.0.0.1:9',
          scheme: 'Token',
          parameters: { apitoken: TOKEN },
        },
      },
    });
    assert.match(
      run.issues.map(i => i.message).join('\n'),
      /Could not look references up in http:\/\/127\.0\.0\.1:9/,
    );
    assert.equal(
      run.commands.filter(
        c =>
          c.command === 'task.logissue' &&
          c.properties.code === 'ref/unresolved',
      ).length,
      1,
    );
    assert.equal(run.result, 'SucceededWithIssues');
  });
});
