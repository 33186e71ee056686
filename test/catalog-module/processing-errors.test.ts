import { strict as assert } from 'node:assert';
import { InputError } from '@backstage/errors';
import { parsePayload } from '../../backstage-modules/catalog-backend-module-push/src/service/processingErrors';
import {
  component,
  eventually,
  pushBody,
  postgresReplicas,
  type PushBackend,
  startPushBackend,
} from './harness';

/**
 * An API whose definition the catalog cannot read (`broken`: loopback, not in
 * backend.reading.allow, so the URL reader refuses it), or can (inline). A brand-new
 * entity that fails processing never becomes readable through the catalog's API.
 */
function api(name: string, broken: boolean, description = 'An API'): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: API',
    'metadata:',
    `  name: ${name}`,
    `  description: ${description}`,
    'spec:',
    '  type: openapi',
    '  lifecycle: production',
    '  owner: team-a',
    ...(broken
      ? ['  definition:', '    $text: http://127.0.0.1:9/openapi.yaml']
      : ['  definition: "openapi: 3.0.0"']),
    '',
  ].join('\n');
}

type Status = {
  commit: string;
  entities: {
    entityRef: string;
    state: string;
    errors: { name: string; message: string }[];
  }[];
};

async function status(backend: PushBackend, repo: string): Promise<Status> {
  const res = await backend.get(
    `/stagedoor/v1/sources/${encodeURIComponent(`contoso/shop/${repo}@main`)}`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

function stateOf(s: Status, ref: string) {
  const entity = s.entities.find(e => e.entityRef === ref);
  assert.ok(entity, `${ref} in ${JSON.stringify(s)}`);
  return entity;
}

/** Waits until every replica's status route reports `ref` in `state`. */
async function until(
  replicas: PushBackend[],
  repo: string,
  ref: string,
  state: string,
): Promise<Status> {
  let last: Status | undefined;
  for (const backend of replicas) {
    last = await eventually(async () => {
      const s = await status(backend, repo);
      return stateOf(s, ref).state === state ? s : undefined;
    }, `${ref} ${state}`);
  }
  return last!;
}

/**
 * Shared by the SQLite and PostgreSQL suites: `replicas()` are backends on one
 * database; pushes go to the first, statuses are read from all of them.
 */
function behavesLike(replicas: () => PushBackend[], prefix: string) {
  const ref = `api:default/${prefix}-api`;

  it('reports an entity whose first processing fails as failed, with the catalog error', async () => {
    const [a] = replicas();
    const res = await a.push(
      pushBody(`${prefix}-never`, {
        'catalog-info.yaml':
          api(`${prefix}-api`, true) + '---\n' + component(`${prefix}-svc`),
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const s = await until(replicas(), `${prefix}-never`, ref, 'failed');
    const failed = stateOf(s, ref);
    assert.ok(failed.errors.length > 0);
    assert.ok(
      failed.errors.some(e => /127\.0\.0\.1:9/.test(e.message)),
      JSON.stringify(failed.errors),
    );
    await until(
      replicas(),
      `${prefix}-never`,
      `component:default/${prefix}-svc`,
      'processed',
    );
  });

  it('keeps reporting the errors when a later push leaves the failing entity unchanged', async () => {
    const [a] = replicas();
    const res = await a.push(
      pushBody(`${prefix}-never`, {
        'catalog-info.yaml':
          api(`${prefix}-api`, true) +
          '---\n' +
          component(`${prefix}-svc`, { description: 'changed' }),
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.unchanged, [ref]);
    // The catalog still holds the same failing content: no wait for it to fail again.
    for (const backend of replicas()) {
      const s = await status(backend, `${prefix}-never`);
      assert.equal(s.commit, res.body.commit);
      assert.equal(stateOf(s, ref).state, 'failed');
    }
  });

  it('stops reporting the errors once a push fixes the entity, and reports it processed', async () => {
    const [a] = replicas();
    const res = await a.push(
      pushBody(`${prefix}-never`, {
        'catalog-info.yaml':
          api(`${prefix}-api`, false) +
          '---\n' +
          component(`${prefix}-svc`, { description: 'changed' }),
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.updated, [ref]);
    // Errors of the replaced content are never reported for the new push.
    await eventually(async () => {
      for (const backend of replicas()) {
        const entity = stateOf(await status(backend, `${prefix}-never`), ref);
        assert.notEqual(entity.state, 'failed', JSON.stringify(entity));
        if (entity.state !== 'processed') return undefined;
      }
      return true;
    }, `${ref} processed`);
  });

  it('reports a later push that breaks the entity again as failed', async () => {
    const [a] = replicas();
    const res = await a.push(
      pushBody(`${prefix}-never`, {
        'catalog-info.yaml': api(`${prefix}-api`, true, 'Broken again'),
      }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // Processed before: the catalog's own status.items carry the error now.
    const s = await until(replicas(), `${prefix}-never`, ref, 'failed');
    assert.ok(
      stateOf(s, ref).errors.some(e => /127\.0\.0\.1:9/.test(e.message)),
    );
  });
}

describe('reading the catalog error events', () => {
  const cases: Array<[what: string, payload: unknown, expected: unknown]> = [
    [
      'Error instances, as the catalog publishes them in-process',
      {
        entity: 'API:default/Orders-API',
        location: 'url:https://example.test/catalog-info.yaml',
        errors: [new InputError('could not read http://127.0.0.1:9/x')],
      },
      {
        entityRef: 'api:default/orders-api',
        errors: [
          {
            name: 'InputError',
            message: 'could not read http://127.0.0.1:9/x',
          },
        ],
      },
    ],
    [
      'serialised errors without a message',
      { entity: 'component:default/a', errors: [{ name: 'InputError' }, null] },
      {
        entityRef: 'component:default/a',
        errors: [
          { name: 'InputError', message: 'processing failed' },
          { name: 'Error', message: 'processing failed' },
        ],
      },
    ],
    ['no errors', { entity: 'component:default/a', errors: [] }, undefined],
    ['no entity ref', { errors: [new Error('x')] }, undefined],
    ['not an object', 'experimental.catalog.errors', undefined],
  ];
  for (const [what, payload, expected] of cases) {
    it(`reads ${what}`, () => {
      assert.deepEqual(parsePayload(payload), expected);
    });
  }
});

describe('processing errors of pushed entities (SQLite)', function () {
  this.timeout(120_000);
  let backend: PushBackend;
  before(async () => {
    backend = await startPushBackend();
  });
  after(async () => {
    await backend?.stop();
  });
  behavesLike(() => [backend], 'sq');
});

describe('processing errors of pushed entities (PostgreSQL, two replicas)', function () {
  this.timeout(180_000);
  const replicas = postgresReplicas(2);
  behavesLike(() => replicas, 'pg');
});
