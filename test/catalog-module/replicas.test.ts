import { strict as assert } from 'node:assert';
import {
  component,
  entityWhen,
  eventually,
  postgresReplicas,
  pushBody,
} from './harness';

/**
 * Two backend replicas on one PostgreSQL database, the way Backstage scales out:
 * pushes for one source are serialised through the database, and the stale-push rule
 * holds across replicas.
 */
describe('the Stagedoor push module on PostgreSQL with two replicas', function () {
  this.timeout(180_000);
  const replicas = postgresReplicas(2);

  it('adds, updates and removes through either replica', async () => {
    const [a, b] = replicas;
    const first = await a.push(
      pushBody('pg-basic', {
        'catalog-info.yaml':
          component('pg-one') + '---\n' + component('pg-two'),
      }),
    );
    assert.equal(first.status, 200, JSON.stringify(first.body));
    await entityWhen(b, 'pg-two', e => !!e);
    const second = await b.push(
      pushBody('pg-basic', {
        'catalog-info.yaml': component('pg-one', { description: 'changed' }),
      }),
    );
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(second.body.removed, ['component:default/pg-two']);
    await entityWhen(a, 'pg-one', e => e?.metadata.description === 'changed');
    await entityWhen(a, 'pg-two', e => e === undefined, 'pg-two removed');
  });

  it('serialises concurrent pushes for one source so the newest build wins and none is lost', async () => {
    const builds = Array.from({ length: 12 }, (_, i) => 20_000 + i);
    // Shuffled so older builds often arrive after newer ones, alternating replicas.
    const order = [...builds].sort(() => Math.random() - 0.5);
    const results = await Promise.all(
      order.map((buildId, i) =>
        replicas[i % 2]
          .push(
            pushBody(
              'race',
              {
                'catalog-info.yaml':
                  component('race-common', {
                    description: `build ${buildId}`,
                  }) +
                  '---\n' +
                  component(`race-${buildId}`),
              },
              { buildId },
            ),
          )
          .then(res => ({ buildId, res })),
      ),
    );
    const newest = Math.max(...builds);
    for (const { buildId, res } of results) {
      if (buildId === newest) {
        assert.equal(
          res.status,
          200,
          `the newest build must be applied: ${JSON.stringify(res.body)}`,
        );
      } else {
        assert.ok(
          res.status === 200 ||
            (res.status === 409 &&
              /older than the last push/.test(res.body.error.message)),
          `build ${buildId}: ${res.status} ${JSON.stringify(res.body)}`,
        );
      }
    }
    for (const replica of replicas) {
      await entityWhen(
        replica,
        'race-common',
        e => e?.metadata.description === `build ${newest}`,
      );
      await entityWhen(replica, `race-${newest}`, e => !!e);
      for (const buildId of builds.filter(b => b !== newest)) {
        await entityWhen(
          replica,
          `race-${buildId}`,
          e => e === undefined,
          `race-${buildId} removed`,
        );
      }
    }
    const status = await eventually(async () => {
      const res = await replicas[1].get(
        `/stagedoor/v1/sources/${encodeURIComponent('contoso/shop/race@main')}`,
      );
      return res.status === 200 &&
        res.body.entities.every((e: any) => e.state === 'processed')
        ? res.body
        : undefined;
    }, 'the race source to be processed');
    assert.equal(status.buildId, newest);
    assert.deepEqual(status.entities.map((e: any) => e.entityRef).sort(), [
      `component:default/race-${newest}`,
      'component:default/race-common',
    ]);
  });

  it('lets only one of two sources claim the same new entity at the same time', async () => {
    const results = await Promise.all(
      ['claim-a', 'claim-b'].map((repo, i) =>
        replicas[i].push(
          pushBody(repo, { 'catalog-info.yaml': component('claimed') }),
        ),
      ),
    );
    const statuses = results.map(r => r.status).sort();
    assert.deepEqual(
      statuses,
      [200, 409],
      JSON.stringify(results.map(r => r.body)),
    );
    const winner = results[0].status === 200 ? 'claim-a' : 'claim-b';
    const entity = await entityWhen(replicas[0], 'claimed', e => !!e);
    assert.equal(
      entity.metadata.annotations['stagedoor.io/source-key'],
      `contoso/shop/${winner}@main`,
    );
  });
});
