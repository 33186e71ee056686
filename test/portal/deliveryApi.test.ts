/**
 * The push module's read-only routes the Delivery plugin reads, against the baseline
 * backend with its real auth: a signed-in user (guest, development) reads every
 * source and lists them; the list is not for services; nothing without credentials.
 */
import { strict as assert } from 'node:assert';
import {
  DEV_TOKEN,
  startBackendApp,
  type BackendApp,
} from '../fixtures/backendApp';
import { componentYaml } from '../fixtures/entities';

const entity = (name: string, owner = 'platform-team') =>
  componentYaml(name, { owner });

describe('the Delivery routes of the push module (baseline backend)', function () {
  this.timeout(300_000);
  let backend: BackendApp;
  let userToken: string;

  const get = async (path: string, token?: string) => {
    const res = await fetch(
      `${backend.baseUrl}/api/catalog/stagedoor/v1${path}`,
      {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(60_000),
      },
    );
    return { status: res.status, body: (await res.json()) as any };
  };
  const push = async (project: string, repository: string, files: string) => {
    const res = await fetch(
      `${backend.baseUrl}/api/catalog/stagedoor/v1/push`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${DEV_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          source: {
            organizationUrl: 'https://dev.azure.com/contoso',
            project,
            repositoryName: repository,
            branch: 'refs/heads/main',
            commit: 'a'.repeat(40),
            buildId: 11,
            buildUrl:
              'https://dev.azure.com/contoso/shop/_build/results?buildId=11',
          },
          files: [{ path: 'catalog-info.yaml', content: files }],
        }),
        signal: AbortSignal.timeout(60_000),
      },
    );
    assert.equal(res.status, 200, await res.text());
  };

  before(async () => {
    backend = await startBackendApp({ timeoutMs: 180_000 });
    const res = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`, {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(res.status, 200, await res.clone().text());
    userToken = ((await res.json()) as any).backstageIdentity.token;
    await push('shop', 'orders', entity('delivery-orders'));
    await push('billing', 'invoices', entity('delivery-invoices'));
  });
  after(async () => {
    await backend?.stop();
  });

  it('lets a signed-in user read a source with its repository, branch, run and who pushed', async () => {
    const res = await get(
      `/sources/${encodeURIComponent('contoso/shop/orders@main')}`,
      userToken,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.commit, 'a'.repeat(40));
    assert.equal(res.body.organizationUrl, 'https://dev.azure.com/contoso');
    assert.equal(res.body.project, 'shop');
    assert.equal(res.body.repositoryName, 'orders');
    assert.equal(res.body.branch, 'refs/heads/main');
    assert.equal(res.body.buildId, 11);
    assert.match(res.body.pushedBy, /stagedoor-dev/);
    assert.deepEqual(
      res.body.entities.map((e: any) => e.entityRef),
      ['component:default/delivery-orders'],
    );
  });

  it('lists sources newest first, filtered by project, for users only', async () => {
    const all = await get('/sources', userToken);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const keys = all.body.items.map((s: any) => s.sourceKey);
    assert.ok(
      keys.indexOf('contoso/billing/invoices@main') <
        keys.indexOf('contoso/shop/orders@main'),
      keys.join(', '),
    );
    const shop = await get('/sources?project=SHOP', userToken);
    assert.deepEqual(
      shop.body.items.map((s: any) => s.sourceKey),
      ['contoso/shop/orders@main'],
    );
    const failed = await get('/sources?failed=true', userToken);
    assert.equal(failed.status, 200);
    assert.ok(
      failed.body.items.every((s: any) =>
        s.entities.some((e: any) => e.state === 'failed'),
      ),
    );
    assert.equal((await get('/sources?limit=0', userToken)).status, 400);
    assert.equal((await get('/sources', DEV_TOKEN)).status, 403);
    assert.equal((await get('/sources')).status, 401);
  });
});
