import { strict as assert } from 'node:assert';
import {
  component,
  entityWhen,
  eventually,
  LIMITED_TOKEN,
  PUSH_TOKEN,
  pushBody,
  type PushBackend,
  startPushBackend,
} from './harness';
import { recordingAuditLog } from '../fixtures/auditLog';

/**
 * Offboarding: `DELETE /api/catalog/stagedoor/v1/sources/:sourceKey` removes every entity
 * of a push source, with the push route's authorization; read back through the catalog API.
 */
describe('the Stagedoor push module: deleting a push source', function () {
  this.timeout(120_000);
  let backend: PushBackend;
  const audit = recordingAuditLog();
  const deleteEvents = () =>
    audit.events.filter(
      e =>
        e.message === 'catalog.push-source-delete' && e.status !== 'initiated',
    );
  const key = encodeURIComponent('contoso/shop/leaving@main');

  const del = async (
    path: string,
    token: string | null = PUSH_TOKEN,
  ): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${backend.baseUrl}/api/catalog${path}`, {
      method: 'DELETE',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, body: await res.json() };
  };

  before(async () => {
    backend = await startPushBackend({ features: [audit.factory] });
  });
  after(async () => {
    await backend?.stop();
  });

  it('refuses callers without a token and principals whose rules do not cover the repository', async () => {
    const res = await backend.push(
      pushBody('leaving', {
        'catalog-info.yaml':
          component('leaving') + '---\n' + component('leaving-worker'),
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await entityWhen(backend, 'leaving-worker', e => !!e);

    assert.equal((await del(`/stagedoor/v1/sources/${key}`, null)).status, 401);
    const denied = await del(`/stagedoor/v1/sources/${key}`, LIMITED_TOKEN);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.name, 'NotAllowedError');
    assert.equal(
      (await backend.get('/entities/by-name/component/default/leaving')).status,
      200,
    );
    const [refused] = deleteEvents();
    assert.equal(refused.status, 'failed');
    assert.equal(refused.error?.name, 'NotAllowedError');
    assert.match(String(refused.actor.actorId), /(^|:)limited$/);
  });

  it('says in a dry run what it would remove, and removes nothing', async () => {
    const dry = await del(`/stagedoor/v1/sources/${key}?dryRun=true`);
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.deepEqual(dry.body, {
      sourceKey: 'contoso/shop/leaving@main',
      dryRun: true,
      removed: [
        'component:default/leaving',
        'component:default/leaving-worker',
      ],
    });
    const status = await backend.get(`/stagedoor/v1/sources/${key}`);
    assert.equal(status.body.entities.length, 2);
  });

  it('removes every entity of the source from the catalog, then answers 404 to a repeat', async () => {
    const res = await del(`/stagedoor/v1/sources/${key}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.removed, [
      'component:default/leaving',
      'component:default/leaving-worker',
    ]);
    const event = deleteEvents().find(
      e => e.status === 'succeeded' && e.meta?.dryRun === false,
    )!;
    assert.ok(event, 'an audit event for the deletion');
    assert.equal(event.meta?.sourceKey, 'contoso/shop/leaving@main');
    assert.equal(event.meta?.removed, 2);
    await eventually(async () => {
      const a = await backend.get(
        '/entities/by-name/component/default/leaving',
      );
      const b = await backend.get(
        '/entities/by-name/component/default/leaving-worker',
      );
      return a.status === 404 && b.status === 404 ? true : undefined;
    }, 'entities removed');
    const again = await del(`/stagedoor/v1/sources/${key}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.error.name, 'NotFoundError');
    const unknown = await del(
      `/stagedoor/v1/sources/${encodeURIComponent('contoso/shop/never@main')}`,
    );
    assert.equal(unknown.status, 404);
  });

  it('takes the source back when files are pushed again', async () => {
    const res = await backend.push(
      pushBody('leaving', { 'catalog-info.yaml': component('leaving') }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.added, ['component:default/leaving']);
    await entityWhen(backend, 'leaving', e => !!e);
  });

  it('says in a push dry run when the push would remove every entity of the source', async () => {
    const empty = pushBody('leaving', {});
    const dry = await backend.push(empty, { dryRun: true });
    assert.equal(dry.status, 200, JSON.stringify(dry.body));
    assert.equal(dry.body.removesAllEntities, true);
    assert.deepEqual(dry.body.removed, ['component:default/leaving']);
    const partial = await backend.push(
      pushBody('leaving', { 'catalog-info.yaml': component('leaving') }),
      { dryRun: true },
    );
    assert.equal(partial.body.removesAllEntities, undefined);
  });
});
