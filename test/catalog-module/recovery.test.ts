import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { PushStore } from '../../backstage-modules/catalog-backend-module-push/src/database/PushStore';
import {
  component,
  entityWhen,
  eventually,
  pushBody,
  type PushBackend,
  startPushBackend,
} from './harness';

/**
 * A crash between storing a push and applying it: the stored state reaches the
 * catalog when the backend comes back (the scheduled reconcile).
 */
describe('the Stagedoor push module after a crash', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'stagedoor-push-recovery-'));
  const database = { client: 'better-sqlite3', connection: { directory: dir } };
  let backend: PushBackend | undefined;
  after(async () => {
    await backend?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a push that was stored but not applied once the backend restarts', async () => {
    backend = await startPushBackend({ database });
    const first = pushBody('crash', {
      'catalog-info.yaml':
        component('crash-a') + '---\n' + component('crash-b'),
    });
    assert.equal((await backend.push(first)).status, 200);
    const applied = await entityWhen(backend, 'crash-a', e => !!e);
    await backend.stop();
    backend = undefined;

    // What the module had stored when the process died: generation 2, not applied,
    // crash-a changed and crash-b to be removed.
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: join(dir, 'catalog.sqlite') },
      useNullAsDefault: true,
    });
    try {
      const store = await PushStore.create({
        getClient: async () => knex,
        migrations: { skip: true },
      } as any);
      const source = (await store.getSource('contoso/shop/crash@main'))!;
      const [row] = (await store.getEntities('contoso/shop/crash@main')).filter(
        r => r.entity_ref === 'component:default/crash-a',
      );
      const entity = JSON.parse(row.entity);
      entity.metadata.description = 'after the crash';
      entity.metadata.annotations['stagedoor.io/commit'] = 'c'.repeat(40);
      await store.transaction(trx =>
        store.saveState(
          trx,
          {
            ...source,
            commit: 'c'.repeat(40),
            generation: 2,
            applied_generation: 1,
            pending_removals: '["component:default/crash-b"]',
          },
          [{ ...row, entity: JSON.stringify(entity), commit: 'c'.repeat(40) }],
        ),
      );
    } finally {
      await knex.destroy();
    }
    assert.equal(applied.metadata.description, 'The crash-a service');

    backend = await startPushBackend({ database });
    await entityWhen(
      backend,
      'crash-a',
      e => e?.metadata.description === 'after the crash',
      'the stored push to be applied',
    );
    await entityWhen(
      backend,
      'crash-b',
      e => e === undefined,
      'crash-b to be removed',
    );
    const status = await eventually(async () => {
      const res = await backend!.get(
        `/stagedoor/v1/sources/${encodeURIComponent('contoso/shop/crash@main')}`,
      );
      return res.status === 200 &&
        res.body.entities.every((e: any) => e.state === 'processed')
        ? res.body
        : undefined;
    }, 'processed status');
    assert.equal(status.commit, 'c'.repeat(40));
  });
});
