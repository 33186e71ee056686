import { strict as assert } from 'node:assert';
import { parsePushErrorBody } from '@stagedoor/common';
import { serializeError } from '@backstage/errors';
import type {
  EntityRow,
  SourceRow,
} from '../../backstage-modules/catalog-backend-module-push/src/database/tables';
import type { DesiredEntity } from '../../backstage-modules/catalog-backend-module-push/src/service/entities';
import {
  type AdmittedPush,
  checkBranch,
  contentHashOf,
  orderAgainst,
  planPush,
  planRemoval,
  type StoredSource,
} from '../../backstage-modules/catalog-backend-module-push/src/service/plan';

const KEY = 'contoso/shop/orders@main';

function desired(name: string, hash = name): DesiredEntity {
  return {
    ref: `component:default/${name}`,
    locationKey: `url:https://dev.azure.com/contoso/shop/_git/orders?path=/${name}.yaml`,
    entity: {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name, annotations: {} },
      spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
    },
    contentHash: hash,
  };
}

function admitted(
  entities: DesiredEntity[],
  source: Partial<AdmittedPush['source']> = {},
): AdmittedPush {
  return {
    source: {
      organizationUrl: 'https://dev.azure.com/contoso',
      project: 'shop',
      repositoryName: 'orders',
      branch: 'refs/heads/main',
      commit: 'b'.repeat(40),
      buildId: 20,
      ...source,
    },
    sourceKey: KEY,
    subject: 'pipeline',
    branch: 'main',
    grant: {
      rule: {} as AdmittedPush['grant']['rule'],
    },
    desired: entities,
    problems: [],
    contentHash: contentHashOf(entities),
  };
}

function sourceRow(overrides: Partial<SourceRow> = {}): SourceRow {
  return {
    source_key: KEY,
    organization_url: 'https://dev.azure.com/contoso',
    project: 'shop',
    repository_name: 'orders',
    repository_id: null,
    branch: 'refs/heads/main',
    commit: 'a'.repeat(40),
    build_id: 10,
    build_url: null,
    commit_time: null,
    content_hash: 'x',
    pushed_by: 'pipeline',
    pushed_at: new Date(0),
    generation: 3,
    applied_generation: 3,
    pending_removals: '[]',
    ...overrides,
  };
}

function entityRow(d: DesiredEntity, overrides: Partial<EntityRow> = {}) {
  return {
    entity_ref: d.ref,
    source_key: KEY,
    location_key: d.locationKey,
    entity: JSON.stringify(d.entity),
    content_hash: d.contentHash,
    commit: 'a'.repeat(40),
    ...overrides,
  };
}

function stored(current: SourceRow | undefined, rows: EntityRow[]) {
  return {
    current,
    entities: new Map(rows.map(r => [r.entity_ref, r])),
  } satisfies StoredSource;
}

/** The pure rules between admission and commit, without a backend. */
describe('push planning (pure)', () => {
  it('sorts entities into added, updated, unchanged and removed, and stores the next generation', () => {
    const [kept, changed, gone] = [
      desired('kept'),
      desired('changed'),
      desired('gone'),
    ];
    const plan = planPush(
      admitted([kept, desired('changed', 'new'), desired('new')]),
      stored(sourceRow(), [
        entityRow(kept),
        entityRow(changed),
        entityRow(gone),
      ]),
      new Date(1),
    );
    assert.deepEqual(plan.changes, {
      added: ['component:default/new'],
      updated: ['component:default/changed'],
      removed: ['component:default/gone'],
      unchanged: ['component:default/kept'],
    });
    assert.equal(plan.state.source.generation, 4);
    assert.equal(plan.state.source.applied_generation, 3);
    assert.deepEqual(JSON.parse(plan.state.source.pending_removals), [
      'component:default/gone',
    ]);
    // Caught up: only what changed goes to the catalog; the unchanged row keeps its commit.
    assert.deepEqual(plan.state.toApply.map(r => r.entity_ref).sort(), [
      'component:default/changed',
      'component:default/new',
    ]);
    const unchanged = plan.state.entities.find(r => r.entity_ref === kept.ref);
    assert.equal(unchanged?.commit, 'a'.repeat(40));
    assert.equal(plan.removesAllEntities, false);
  });

  it('re-sends everything and keeps pending removals after an interrupted apply', () => {
    const kept = desired('kept');
    const plan = planPush(
      admitted([kept]),
      stored(
        sourceRow({
          applied_generation: 2,
          pending_removals: '["component:default/old"]',
        }),
        [entityRow(kept)],
      ),
      new Date(1),
    );
    assert.deepEqual(
      plan.state.toApply.map(r => r.entity_ref),
      [kept.ref],
    );
    assert.deepEqual(JSON.parse(plan.state.source.pending_removals), [
      'component:default/old',
    ]);
  });

  it('keeps the locationKey an entity was first stored under', () => {
    const d = desired('moved');
    const plan = planPush(
      admitted([desired('moved', 'changed')]),
      stored(sourceRow(), [entityRow(d, { location_key: 'url:first' })]),
      new Date(1),
    );
    assert.equal(plan.state.entities[0].location_key, 'url:first');
  });

  it('says when a push removes every entity of the source', () => {
    const plan = planPush(
      admitted([]),
      stored(sourceRow(), [entityRow(desired('only'))]),
      new Date(1),
    );
    assert.equal(plan.removesAllEntities, true);
    assert.deepEqual(plan.changes.removed, ['component:default/only']);
  });

  it('orders a repeat, a newer push and a stale one, whose error names both builds', () => {
    const d = desired('a');
    const push = admitted([d], { commit: 'a'.repeat(40) });
    assert.equal(
      orderAgainst(
        push,
        stored(sourceRow({ content_hash: push.contentHash }), []),
      ),
      'repeat',
    );
    assert.equal(
      orderAgainst(admitted([d]), stored(sourceRow(), [])),
      'change',
    );
    let thrown: unknown;
    try {
      orderAgainst(
        admitted([d], { buildId: 5 }),
        stored(sourceRow({ build_id: '10' }), []),
      );
    } catch (error) {
      thrown = error;
    }
    const body = parsePushErrorBody({
      error: serializeError(thrown as Error),
      response: { statusCode: 409 },
    });
    assert.ok(body?.error.code === 'stale-push', String(thrown));
    assert.deepEqual(body.error.applied, {
      commit: 'a'.repeat(40),
      buildId: 10,
    });
    assert.deepEqual(body.error.incoming, {
      commit: 'b'.repeat(40),
      buildId: 5,
    });
  });

  it('refuses the same repository from another branch, naming the branch', () => {
    assert.throws(
      () =>
        checkBranch(
          KEY.replace('@main', '@feature/x'),
          'feature/x',
          new Map([['component:default/a', KEY]]),
        ),
      (e: Record<string, unknown>) =>
        e.name === 'InputError' &&
        e.code === 'branch-refused' &&
        e.expectedBranch === 'main' &&
        e.repository === 'contoso/shop/orders',
    );
    checkBranch(
      KEY,
      'main',
      new Map([['component:default/a', 'contoso/shop/other@main']]),
    );
  });

  it('plans the removal of every entity of a source, with pending removals', () => {
    const state = planRemoval(
      sourceRow({
        applied_generation: 2,
        pending_removals: '["component:default/old"]',
      }),
      ['component:default/a'],
      'offboarder',
      new Date(1),
    );
    assert.equal(state.source.generation, 4);
    assert.equal(state.source.pushed_by, 'offboarder');
    assert.deepEqual(JSON.parse(state.source.pending_removals), [
      'component:default/old',
      'component:default/a',
    ]);
    assert.deepEqual(state.entities, []);
    assert.equal(state.source.content_hash, contentHashOf([]));
  });
});
