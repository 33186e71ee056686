import { strict as assert } from 'node:assert';
import {
  parsePushErrorBody,
  type PushErrorCode,
  type PushErrorData,
} from '@stagedoor/common';
import {
  component,
  entityWhen,
  LIMITED_TOKEN,
  pushBody,
  type PushBackend,
  serveFiles,
  startPushBackend,
} from './harness';

/**
 * The push API's error answers read from the client side: every refusal is parsed with
 * `parsePushErrorBody` from `@stagedoor/common` (what the notify task and the CLI use),
 * and the details are asserted as data, never from the message.
 */
function typedError<C extends PushErrorCode>(
  res: { status: number; body: unknown },
  code: C,
): Extract<PushErrorData, { code: C }> {
  const parsed = parsePushErrorBody(res.body);
  assert.ok(
    parsed,
    `not a typed push error body: ${res.status} ${JSON.stringify(res.body)}`,
  );
  assert.equal(parsed.error.code, code, JSON.stringify(res.body));
  assert.equal(res.status, parsed.response.statusCode);
  return parsed.error as Extract<PushErrorData, { code: C }>;
}

describe('the push API error bodies, read by the client', function () {
  this.timeout(120_000);
  let backend: PushBackend;
  let files: Awaited<ReturnType<typeof serveFiles>>;
  const served = new Map<string, string>();

  before(async () => {
    files = await serveFiles(served);
    backend = await startPushBackend({
      readingAllow: [files.host],
      push: {
        maxBodyBytes: 50_000,
        rules: [
          {
            principals: ['pipeline'],
            sources: ['contoso/shop/pinned'],
            branch: 'main',
          },
          {
            principals: ['pipeline'],
            sources: ['**'],
            maxEntities: 5,
            maxBytes: 20_000,
          },
          { principals: ['limited'], sources: ['contoso/limited/*'] },
        ],
      },
    });
  });
  after(async () => {
    await backend?.stop();
    await files?.close();
  });

  it('names both pushes, with their build ids, when a push is stale', async () => {
    const newer = pushBody(
      'ordered',
      { 'catalog-info.yaml': component('ordered') },
      { buildId: 5000 },
    );
    assert.equal((await backend.push(newer)).status, 200);
    const older = pushBody(
      'ordered',
      { 'catalog-info.yaml': component('ordered', { description: 'old' }) },
      { buildId: 4999 },
    );
    const error = typedError(await backend.push(older), 'stale-push');
    assert.equal(error.name, 'ConflictError');
    assert.equal(error.sourceKey, 'contoso/shop/ordered@main');
    assert.deepEqual(error.incoming, {
      commit: older.source.commit,
      buildId: 4999,
    });
    assert.deepEqual(error.applied, {
      commit: newer.source.commit,
      buildId: 5000,
    });
  });

  it("lists each conflicting entity with the owning source's key", async () => {
    const first = pushBody('owner-a', {
      'catalog-info.yaml': component('shared-a') + '---\n' + component('own-a'),
    });
    assert.equal((await backend.push(first)).status, 200);
    const res = await backend.push(
      pushBody('owner-b', {
        'catalog-info.yaml':
          component('shared-a') + '---\n' + component('own-b'),
      }),
    );
    const error = typedError(res, 'ownership-conflict');
    assert.deepEqual(error.conflicts, [
      {
        entityRef: 'component:default/shared-a',
        ownerType: 'source',
        owner: 'contoso/shop/owner-a@main',
      },
    ]);
    // The same answer once the catalog holds the entity (its annotations say the owner).
    await entityWhen(backend, 'shared-a', e => !!e);
    const again = typedError(
      await backend.push(
        pushBody('owner-b', { 'catalog-info.yaml': component('shared-a') }),
      ),
      'ownership-conflict',
    );
    assert.deepEqual(again.conflicts, error.conflicts);
  });

  it('names the location that owns an entity registered by hand', async () => {
    served.set('/by-hand/catalog-info.yaml', component('by-hand'));
    const target = `${files.baseUrl}/by-hand/catalog-info.yaml`;
    const reg = await backend.post('/locations', { type: 'url', target });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    await entityWhen(backend, 'by-hand', e => !!e);
    const error = typedError(
      await backend.push(
        pushBody('by-hand', { 'catalog-info.yaml': component('by-hand') }),
      ),
      'ownership-conflict',
    );
    assert.deepEqual(error.conflicts, [
      {
        entityRef: 'component:default/by-hand',
        ownerType: 'location',
        owner: `url:${target}`,
      },
    ]);
  });

  it('says which branch to push from, and why', async () => {
    const configured = typedError(
      await backend.push(
        pushBody(
          'pinned',
          { 'catalog-info.yaml': component('pinned') },
          { branch: 'refs/heads/develop' },
        ),
      ),
      'branch-refused',
    );
    assert.deepEqual(
      {
        name: configured.name,
        repository: configured.repository,
        branch: configured.branch,
        expectedBranch: configured.expectedBranch,
        reason: configured.reason,
      },
      {
        name: 'InputError',
        repository: 'contoso/shop/pinned',
        branch: 'develop',
        expectedBranch: 'main',
        reason: 'configured',
      },
    );

    const files = { 'catalog-info.yaml': component('branchy') };
    assert.equal((await backend.push(pushBody('branchy', files))).status, 200);
    const established = typedError(
      await backend.push(
        pushBody('branchy', files, { branch: 'refs/heads/feature/logo' }),
      ),
      'branch-refused',
    );
    assert.equal(established.reason, 'established');
    assert.equal(established.branch, 'feature/logo');
    assert.equal(established.expectedBranch, 'main');
    assert.equal(established.repository, 'contoso/shop/branchy');
  });

  it('names the principal and repository no rule allows, on push and on delete', async () => {
    const pushed = typedError(
      await backend.push(
        pushBody('secret', { 'catalog-info.yaml': component('secret') }),
        { token: LIMITED_TOKEN },
      ),
      'source-not-allowed',
    );
    assert.equal(pushed.subject, 'limited');
    assert.equal(pushed.repository, 'contoso/shop/secret');

    const res = await fetch(
      `${backend.baseUrl}/api/catalog/stagedoor/v1/sources/${encodeURIComponent('contoso/shop/owner-a@main')}`,
      {
        method: 'DELETE',
        headers: { authorization: `Bearer ${LIMITED_TOKEN}` },
      },
    );
    const deleted = typedError(
      { status: res.status, body: await res.json() },
      'source-not-allowed',
    );
    assert.equal(deleted.repository, 'contoso/shop/owner-a');
  });

  it('lists the kinds the rule refuses', async () => {
    const user =
      'apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: mallory\nspec:\n  memberOf: []\n';
    const error = typedError(
      await backend.push(
        pushBody('kinds', {
          'catalog-info.yaml': user + '---\n' + component('kinds'),
        }),
      ),
      'kinds-not-allowed',
    );
    assert.deepEqual(error.kinds, ['User']);
  });

  it('gives every problem of invalid files with its place', async () => {
    const error = typedError(
      await backend.push(
        pushBody('broken', {
          'catalog-info.yaml':
            'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: Not A Valid Name!\nspec:\n  type: service\n',
        }),
      ),
      'invalid-files',
    );
    assert.ok(error.problems.length > 0);
    for (const p of error.problems) {
      assert.equal(p.file, 'catalog-info.yaml');
      assert.ok(p.line >= 1 && p.column >= 1, JSON.stringify(p));
    }
    assert.ok(error.problems.some(p => p.severity === 'error'));
  });

  it('states the limit, the size and the setting when a push is too large', async () => {
    const bytes = typedError(
      await backend.push(
        pushBody('big', {
          'catalog-info.yaml': component('big', {
            description: 'x'.repeat(25_000),
          }),
        }),
      ),
      'payload-too-large',
    );
    assert.equal(bytes.unit, 'bytes');
    assert.equal(bytes.limit, 20_000);
    assert.ok(bytes.actual! > 25_000, String(bytes.actual));
    assert.equal(bytes.setting, 'stagedoor.push.rules[].maxBytes');

    const many = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`c${i}.yaml`, component(`m-${i}`)]),
    );
    const entities = typedError(
      await backend.push(pushBody('many', many)),
      'payload-too-large',
    );
    assert.deepEqual(
      [entities.unit, entities.limit, entities.actual, entities.setting],
      ['entities', 5, 6, 'stagedoor.push.rules[].maxEntities'],
    );

    const body = typedError(
      await backend.push(
        pushBody('huge', { 'catalog-info.yaml': 'x'.repeat(60_000) }),
      ),
      'payload-too-large',
    );
    assert.deepEqual(
      [body.unit, body.limit, body.actual, body.setting],
      ['bytes', 50_000, undefined, 'stagedoor.push.maxBodyBytes'],
    );
  });

  it('leaves answers without typed details to the generic shape', async () => {
    const res = await backend.push('{"source": ');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.name, 'InputError');
    assert.equal(parsePushErrorBody(res.body), undefined);
  });
});

describe('the push API rate limit error body, read by the client', function () {
  this.timeout(120_000);
  let backend: PushBackend;

  before(async () => {
    backend = await startPushBackend({
      push: { rateLimit: { requestsPerMinute: 1 } },
    });
  });
  after(async () => {
    await backend?.stop();
  });

  it('states the limit and when to retry', async () => {
    const body = pushBody('orders', { 'catalog-info.yaml': component('o') });
    assert.equal((await backend.push(body)).status, 200);
    const error = typedError(await backend.push(body), 'rate-limited');
    assert.equal(error.name, 'TooManyRequestsError');
    assert.equal(error.requestsPerMinute, 1);
    assert.ok(
      error.retryAfterSeconds >= 1 && error.retryAfterSeconds <= 60,
      String(error.retryAfterSeconds),
    );
  });
});
