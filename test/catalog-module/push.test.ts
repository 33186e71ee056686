import { strict as assert } from 'node:assert';
import {
  component,
  entityWhen,
  eventually,
  LIMITED_TOKEN,
  pushBody,
  type PushBackend,
  serveFiles,
  startPushBackend,
} from './harness';

/**
 * The push API against a real backend on SQLite: every outcome is read back through
 * the catalog's public API (`/api/catalog/entities/by-name/...`).
 */
describe('the Stagedoor push module (SQLite)', function () {
  this.timeout(120_000);
  let backend: PushBackend;
  let files: Awaited<ReturnType<typeof serveFiles>>;
  const served = new Map<string, string>();

  before(async () => {
    files = await serveFiles(served);
    backend = await startPushBackend({ readingAllow: [files.host] });
  });
  after(async () => {
    await backend?.stop();
    await files?.close();
  });

  it('adds pushed entities with the annotations the catalog gives files it reads', async () => {
    const body = pushBody('orders', {
      'catalog-info.yaml':
        component('orders') + '---\n' + component('orders-worker'),
    });
    const res = await backend.push(body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.added, [
      'component:default/orders',
      'component:default/orders-worker',
    ]);
    assert.equal(res.body.applied, true);

    const entity = await entityWhen(backend, 'orders', e => !!e);
    const a = entity.metadata.annotations;
    const url =
      'https://dev.azure.com/contoso/shop/_git/orders?path=/catalog-info.yaml';
    assert.equal(a['backstage.io/managed-by-location'], `url:${url}`);
    assert.equal(a['backstage.io/managed-by-origin-location'], `url:${url}`);
    assert.equal(a['backstage.io/view-url'], url);
    assert.equal(a['dev.azure.com/project-repo'], 'shop/orders');
    assert.equal(a['stagedoor.io/commit'], body.source.commit);
    assert.equal(a['stagedoor.io/source-key'], 'contoso/shop/orders@main');
  });

  it('reports each entity as processed once the catalog has it at the pushed commit', async () => {
    const status = await eventually(async () => {
      const res = await backend.get(
        `/stagedoor/v1/sources/${encodeURIComponent('contoso/shop/orders@main')}`,
      );
      return res.status === 200 &&
        res.body.entities.every((e: any) => e.state === 'processed')
        ? res.body
        : undefined;
    }, 'processed status');
    assert.equal(status.entities.length, 2);
    assert.equal(typeof status.buildId, 'number');
  });

  it('updates changed entities and removes entities a push no longer contains', async () => {
    const res = await backend.push(
      pushBody('orders', {
        'catalog-info.yaml': component('orders', {
          description: 'Takes orders',
        }),
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.updated, ['component:default/orders']);
    assert.deepEqual(res.body.removed, ['component:default/orders-worker']);
    await entityWhen(
      backend,
      'orders',
      e => e?.metadata.description === 'Takes orders',
    );
    await entityWhen(
      backend,
      'orders-worker',
      e => e === undefined,
      'orders-worker to be removed',
    );
  });

  it('treats a repeat of the applied commit as an idempotent no-op', async () => {
    const body = pushBody('repeat', {
      'catalog-info.yaml': component('repeat'),
    });
    assert.equal((await backend.push(body)).status, 200);
    const again = await backend.push(body);
    assert.equal(again.status, 200);
    assert.equal(again.body.applied, false);
    assert.deepEqual(again.body.unchanged, ['component:default/repeat']);
    assert.deepEqual(again.body.added, []);
  });

  it('refuses a push older than the last one applied for the source', async () => {
    const newer = pushBody(
      'stale',
      { 'catalog-info.yaml': component('stale', { description: 'new' }) },
      { buildId: 9000 },
    );
    assert.equal((await backend.push(newer)).status, 200);
    const older = pushBody(
      'stale',
      { 'catalog-info.yaml': component('stale', { description: 'old' }) },
      { buildId: 8999 },
    );
    const res = await backend.push(older);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.name, 'ConflictError');
    assert.match(res.body.error.message, /older than the last push/);
    await entityWhen(backend, 'stale', e => e?.metadata.description === 'new');
  });

  it('refuses an entity another source owns, and says which', async () => {
    assert.equal(
      (
        await backend.push(
          pushBody('owner-a', { 'catalog-info.yaml': component('shared') }),
        )
      ).status,
      200,
    );
    const res = await backend.push(
      pushBody('owner-b', { 'catalog-info.yaml': component('shared') }),
    );
    assert.equal(res.status, 409);
    assert.match(
      res.body.error.message,
      /component:default\/shared \(source contoso\/shop\/owner-a@main\)/,
    );
    const entity = await entityWhen(backend, 'shared', e => !!e);
    assert.equal(
      entity.metadata.annotations['stagedoor.io/source-key'],
      'contoso/shop/owner-a@main',
    );
  });

  it('refuses an entity a user-registered url location owns, and says which', async () => {
    served.set('/registered/catalog-info.yaml', component('registered'));
    const target = `${files.baseUrl}/registered/catalog-info.yaml`;
    const reg = await backend.post('/locations', { type: 'url', target });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    await entityWhen(backend, 'registered', e => !!e);
    const res = await backend.push(
      pushBody('registered', { 'catalog-info.yaml': component('registered') }),
    );
    assert.equal(res.status, 409);
    assert.ok(
      res.body.error.message.includes(`location url:${target}`),
      res.body.error.message,
    );
  });

  it('answers a dry run without changing anything', async () => {
    const dry = await backend.push(
      pushBody('dry', { 'catalog-info.yaml': component('dry-only') }),
      { dryRun: true },
    );
    assert.equal(dry.status, 200);
    assert.equal(dry.body.dryRun, true);
    assert.deepEqual(dry.body.added, ['component:default/dry-only']);
    // Nothing was stored: the first real push of the source still sees an empty set.
    const real = await backend.push(
      pushBody('dry', { 'catalog-info.yaml': component('dry-real') }),
    );
    assert.deepEqual(real.body.added, ['component:default/dry-real']);
    assert.deepEqual(real.body.removed, []);
    await entityWhen(backend, 'dry-real', e => !!e);
    assert.equal(
      (await backend.get('/entities/by-name/component/default/dry-only'))
        .status,
      404,
    );
  });

  it('rejects callers without a token, and principals no rule allows for the source', async () => {
    const body = pushBody('secret', {
      'catalog-info.yaml': component('secret'),
    });
    assert.equal((await backend.push(body, { token: null })).status, 401);
    const res = await backend.push(body, { token: LIMITED_TOKEN });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.name, 'NotAllowedError');
    assert.match(
      res.body.error.message,
      /may not push catalog files for contoso\/shop\/secret/,
    );
    assert.equal(res.body.response.statusCode, 403);
  });

  it('refuses kinds the rule does not allow (User and Group by default)', async () => {
    const user =
      'apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: mallory\nspec:\n  memberOf: []\n';
    const res = await backend.push(
      pushBody('kinds', { 'catalog-info.yaml': user }),
    );
    assert.equal(res.status, 403);
    assert.match(res.body.error.message, /kind User/);
  });

  it('answers 413 above the size limits', async () => {
    const big = pushBody('big', {
      'catalog-info.yaml': component('big', {
        description: 'x'.repeat(150_000),
      }),
    });
    const res = await backend.push(big);
    assert.equal(res.status, 413);
    assert.equal(res.body.error.name, 'PayloadTooLargeError');
    const many = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [
        `c${i}.yaml`,
        component(`many-${i}`),
      ]),
    );
    const res2 = await backend.push(pushBody('many', many));
    assert.equal(res2.status, 413);
    assert.match(
      res2.body.error.message,
      /60 entities; the limit for this source is 50/,
    );
    const huge = await backend.push(
      pushBody('huge', { 'catalog-info.yaml': 'x'.repeat(250_000) }),
    );
    assert.equal(huge.status, 413);
    assert.match(huge.body.error.message, /stagedoor\.push\.maxBodyBytes/);
    assert.equal(huge.body.response.statusCode, 413);
  });

  it('answers 400 to malformed bodies', async () => {
    const notJson = await backend.push('{"source": ');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.name, 'InputError');
    const badShape = await backend.push({
      source: { project: 'x' },
      files: 'nope',
    });
    assert.equal(badShape.status, 400);
    assert.match(badShape.body.error.message, /source\.organizationUrl/);
  });

  it('answers 422 with every problem, at file, line and column', async () => {
    const broken =
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not A Valid Name!\nspec:\n  type: service\n';
    const res = await backend.push(
      pushBody('broken', {
        'catalog-info.yaml': broken,
        'other.yaml': 'a: [\n',
      }),
    );
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.name, 'UnprocessableEntitiesError');
    const files422 = new Set(res.body.error.problems.map((p: any) => p.file));
    assert.ok(
      files422.has('catalog-info.yaml') && files422.has('other.yaml'),
      JSON.stringify(res.body.error.problems),
    );
    for (const p of res.body.error.problems)
      assert.ok(p.line >= 1 && p.column >= 1);
  });
});

describe('the Stagedoor push module: Location entities in pushed files', function () {
  this.timeout(120_000);
  let backend: PushBackend;
  before(async () => {
    backend = await startPushBackend();
  });
  after(async () => {
    await backend?.stop();
  });

  it('resolves relative Location targets from the pushed files', async () => {
    const location =
      'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: orders-all\nspec:\n  targets:\n    - ./services/api.yaml\n';
    const res = await backend.push(
      pushBody('mono', {
        'catalog-info.yaml': location,
        'services/api.yaml': component('mono-api'),
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.added, ['component:default/mono-api']);
    const entity = await entityWhen(backend, 'mono-api', e => !!e);
    const base = 'https://dev.azure.com/contoso/shop/_git/mono?path=';
    assert.equal(
      entity.metadata.annotations['backstage.io/managed-by-location'],
      `url:${base}/services/api.yaml`,
    );
    assert.equal(
      entity.metadata.annotations['backstage.io/managed-by-origin-location'],
      `url:${base}/catalog-info.yaml`,
    );
  });

  it('answers 422 when a relative Location target was not pushed', async () => {
    const location =
      'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: dangling\nspec:\n  targets:\n    - ./missing.yaml\n';
    const res = await backend.push(
      pushBody('dangling', { 'catalog-info.yaml': location }),
    );
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.ok(
      res.body.error.problems.some((p: any) => /missing\.yaml/.test(p.message)),
    );
  });
});
