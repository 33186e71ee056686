import { strict as assert } from 'node:assert';
import {
  type Attributes,
  createNoopMeter,
  type Meter,
  metrics,
} from '@opentelemetry/api';
import { type AuditLog, recordingAuditLog } from '../fixtures/auditLog';
import {
  componentYaml,
  type FakeAzureDevOps,
  startFakeAzureDevOps,
} from '../fixtures/azure-devops';
import type {
  ProjectState,
  RepositoryState,
} from '../fixtures/azure-devops/state';
import {
  dropDatabases,
  postgresDatabaseConfig,
  requirePostgres,
  uniquePrefix,
} from '../fixtures/postgres';
import {
  entityWhen,
  eventually,
  type PushBackend,
  startPushBackend,
} from './harness';

const PAT = 'hooks-pat';
const BASIC = { username: 'azure-devops', password: 'hook-password-1' };
const HEADER = { name: 'X-Stagedoor-Hook-Secret', value: 'header-secret-2' };
const gone = (e: unknown) => e === undefined;

/** What the module recorded through the OpenTelemetry API (a meter provider of the test's own). */
interface Recorded {
  name: string;
  value: number;
  attributes: Attributes;
}

/**
 * Installs a global meter provider that keeps every counter add and histogram record;
 * call before the backend starts (the module takes its meter at init). `metrics.disable()` after.
 */
function recordMetrics(): Recorded[] {
  const recorded: Recorded[] = [];
  const noop = createNoopMeter();
  const meter: Meter = Object.assign(Object.create(noop) as Meter, {
    createCounter: (name: string) => ({
      add: (value: number, attributes: Attributes = {}) =>
        recorded.push({ name, value, attributes }),
    }),
    createHistogram: (name: string) => ({
      record: (value: number, attributes: Attributes = {}) =>
        recorded.push({ name, value, attributes }),
    }),
  });
  metrics.disable();
  metrics.setGlobalMeterProvider({ getMeter: () => meter });
  return recorded;
}

/** The hook-delivery audit records that finished (succeeded or failed). */
function hookAudits(audit: AuditLog) {
  return audit.events.filter(
    e => e.eventId === 'hook-delivery' && e.status !== 'initiated',
  );
}

/** `backend.database` for the suite: in-memory SQLite, or a fresh PostgreSQL database. */
function suiteDatabase(db: 'SQLite' | 'PostgreSQL') {
  const prefix = uniquePrefix();
  let url: string | undefined;
  return {
    async config(ctx: Mocha.Context) {
      if (db === 'SQLite') return undefined;
      url = requirePostgres(ctx);
      return postgresDatabaseConfig(url, prefix);
    },
    async drop() {
      if (url) await dropDatabases(url, prefix);
    },
  };
}

/**
 * The service hook receiver through a real catalog with discovery against the fake
 * Azure DevOps; the fake delivers events built from Microsoft's samples over HTTP, and
 * every outcome is read back through the catalog API.
 */
for (const db of ['SQLite', 'PostgreSQL'] as const)
  describe(`service hooks (${db})`, function () {
    this.timeout(300_000);
    let fake: FakeAzureDevOps;
    let backend: PushBackend;
    let url: string;
    let shop: ProjectState;
    const database = suiteDatabase(db);
    const audit = recordingAuditLog();
    let recorded: Recorded[] = [];

    const repo = (name: string) => fake.state.repository(shop, name);
    const setFile = (r: RepositoryState, path: string, content: string) =>
      r.files.set(path, Buffer.from(content));
    const deliver = (
      eventType: string,
      r: RepositoryState | undefined,
      extra: Record<string, unknown> = {},
    ) =>
      fake.deliverEvent({
        url,
        eventType,
        project: r && shop,
        repository: r,
        basicAuth: BASIC,
        ...extra,
      });

    before(async function () {
      const dbConfig = await database.config(this);
      recorded = recordMetrics();
      fake = await startFakeAzureDevOps({
        organization: 'contoso',
        pats: { [PAT]: { displayName: 'Hooks' } },
        projects: [
          { name: 'Shop', repositories: ['orders', 'billing', 'catalogue'] },
        ],
      });
      shop = fake.state.project('Shop');
      setFile(repo('orders'), '/catalog-info.yaml', componentYaml('orders'));
      setFile(repo('billing'), '/README.md', '# billing\n');
      setFile(
        repo('catalogue'),
        '/catalog-info.yaml',
        componentYaml('catalogue'),
      );
      backend = await startPushBackend({
        database: dbConfig,
        features: [audit.factory],
        integrations: {
          azure: [
            {
              host: new URL(fake.baseUrl).host,
              credentials: [{ personalAccessToken: PAT }],
            },
          ],
        },
        discovery: {
          organizations: [{ url: fake.orgUrl, projects: ['Shop'] }],
          // Never on its own: only the hooks re-read in this suite.
          schedule: {
            frequency: { trigger: 'manual' },
            timeout: { minutes: 3 },
          },
          maxRetryWait: { seconds: 5 },
        },
        hooks: { basicAuth: BASIC, header: HEADER, maxBodyBytes: 50_000 },
      });
      url = `${backend.baseUrl}/api/catalog/stagedoor/v1/hooks/azure-devops`;
    });
    after(async () => {
      await backend?.stop();
      await fake?.close();
      await database.drop();
      metrics.disable();
    });

    it('git.repo.created discovers the repository', async () => {
      const res = await deliver('git.repo.created', repo('orders'));
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.action, 'refresh');
      const orders = await entityWhen(backend, 'orders', e => !!e);
      assert.equal(orders.spec.owner, 'team-a');
      // Only that repository was read.
      const others = [repo('billing').id, repo('catalogue').id];
      assert.deepEqual(
        fake.requests
          .filter(r => others.some(id => r.path.includes(id)))
          .map(r => r.path),
        [],
      );
    });

    it('git.push to the default branch re-reads that repository; other branches are ignored', async () => {
      setFile(
        repo('orders'),
        '/catalog-info.yaml',
        componentYaml('orders', 'team-b'),
      );
      const other = await deliver('git.push', repo('orders'), {
        refName: 'refs/heads/feature',
      });
      assert.equal(other.status, 202);
      assert.equal(other.body.action, 'ignored');
      const res = await deliver('git.push', repo('orders'));
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.action, 'refresh');
      await entityWhen(backend, 'orders', e => e?.spec.owner === 'team-b');
    });

    it('accepts the header secret as well as basic auth', async () => {
      setFile(
        repo('orders'),
        '/catalog-info.yaml',
        componentYaml('orders', 'team-c'),
      );
      const res = await fake.deliverEvent({
        url,
        eventType: 'git.push',
        project: shop,
        repository: repo('orders'),
        headers: { [HEADER.name]: HEADER.value },
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      await entityWhen(backend, 'orders', e => e?.spec.owner === 'team-c');
    });

    it('refuses bad or missing credentials with 401 and changes nothing', async () => {
      setFile(
        repo('orders'),
        '/catalog-info.yaml',
        componentYaml('orders', 'team-x'),
      );
      const from = fake.requests.length;
      const attempts = [
        { basicAuth: { ...BASIC, password: 'wrong' } },
        { basicAuth: { ...BASIC, username: 'someone' } },
        { basicAuth: undefined },
        { basicAuth: undefined, headers: { [HEADER.name]: 'wrong' } },
        { basicAuth: undefined, headers: { authorization: 'Bearer x' } },
      ];
      for (const extra of attempts) {
        const res = await deliver('git.push', repo('orders'), extra);
        assert.equal(res.status, 401, JSON.stringify(extra));
        assert.equal(res.body.error.name, 'AuthenticationError');
      }
      // A bad delivery is not recorded: the same event id with good credentials is accepted.
      const id = 'f0f0f0f0-0000-4000-8000-000000000401';
      const bad = await deliver('git.push', repo('orders'), {
        id,
        basicAuth: { ...BASIC, password: 'nope' },
      });
      assert.equal(bad.status, 401);
      assert.equal(fake.requests.length, from, 'nothing was read');
      const entity = await entityWhen(backend, 'orders', e => !!e);
      assert.equal(entity.spec.owner, 'team-c');
      const good = await deliver('git.push', repo('orders'), { id });
      assert.equal(good.status, 202);
      assert.equal(good.body.action, 'refresh');
      await entityWhen(backend, 'orders', e => e?.spec.owner === 'team-x');
    });

    it('a redelivery of the same event id changes nothing', async () => {
      setFile(
        repo('orders'),
        '/catalog-info.yaml',
        componentYaml('orders', 'team-y'),
      );
      const first = await deliver('git.push', repo('orders'));
      assert.equal(first.body.action, 'refresh');
      await entityWhen(backend, 'orders', e => e?.spec.owner === 'team-y');
      setFile(
        repo('orders'),
        '/catalog-info.yaml',
        componentYaml('orders', 'team-redelivered'),
      );
      const from = fake.requests.length;
      const again = await deliver('git.push', repo('orders'), {
        id: first.event.id,
      });
      assert.equal(again.status, 202);
      assert.equal(again.body.action, 'duplicate');
      // The receiver works one repository at a time, in order: once a later event's
      // change is readable, the redelivery would have been handled if it were going to be.
      await deliver('git.repo.created', repo('catalogue'));
      await entityWhen(backend, 'catalogue', e => !!e);
      const orders = await entityWhen(backend, 'orders', e => !!e);
      assert.equal(orders.spec.owner, 'team-y');
      assert.deepEqual(
        fake.requests
          .slice(from)
          .filter(r => r.path.includes(repo('orders').id))
          .map(r => r.path),
        [],
      );
    });

    it('answers 400 to a malformed or oversized body, 202 and nothing else to an unknown event type', async () => {
      const auth = `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}`;
      const post = (body: string) =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body,
        }).then(async r => ({
          status: r.status,
          body: (await r.json()) as any,
        }));
      const notJson = await post('{"id": ');
      assert.equal(notJson.status, 400);
      assert.match(notJson.body.error.message, /Malformed event body/);
      const noType = await post(JSON.stringify({ id: 'x', resource: {} }));
      assert.equal(noType.status, 400);
      assert.match(noType.body.error.message, /eventType/);
      const big = await post(
        JSON.stringify({
          id: 'y',
          eventType: 'git.push',
          resource: { pad: 'x'.repeat(60_000) },
        }),
      );
      assert.equal(big.status, 400);
      assert.match(big.body.error.message, /larger than 50000 bytes/);

      const from = fake.requests.length;
      const unknown = await deliver('workitem.created', undefined);
      assert.equal(unknown.status, 202);
      assert.equal(unknown.body.action, 'ignored');
      const build = await deliver('build.complete', undefined);
      assert.equal(build.status, 202);
      assert.equal(build.body.action, 'ignored');
      assert.equal(fake.requests.length, from);
    });

    // The entity keeps its ref, its metadata.uid and its locationKey (the one it was first
    // stored under); its annotations and source location follow the new name. Polled all
    // along: it never disappears from the catalog.
    it('git.repo.renamed updates the source location and annotations in place: same uid, never removed', async () => {
      const before = await entityWhen(backend, 'catalogue', e => !!e);
      const r = repo('catalogue');
      let watching = true;
      const missing: number[] = [];
      const watcher = (async () => {
        while (watching) {
          const res = await backend.get(
            '/entities/by-name/component/default/catalogue',
          );
          if (res.status !== 200) missing.push(res.status);
          await new Promise(done => setTimeout(done, 20));
        }
      })();
      r.name = 'catalog';
      const res = await deliver('git.repo.renamed', r, {
        oldName: 'catalogue',
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const after = await entityWhen(
        backend,
        'catalogue',
        e =>
          e?.metadata.annotations['backstage.io/managed-by-location'] ===
          `url:${fake.orgUrl}/Shop/_git/catalog?path=/catalog-info.yaml`,
      );
      watching = false;
      await watcher;
      assert.deepEqual(missing, [], 'the entity was readable all along');
      assert.equal(after.metadata.uid, before.metadata.uid);
      assert.equal(
        after.metadata.annotations['dev.azure.com/project-repo'],
        'Shop/catalog',
      );
      assert.equal(
        after.metadata.annotations['backstage.io/source-location'],
        `url:${fake.orgUrl}/Shop/_git/catalog?path=/`,
      );
      const newKey: string =
        after.metadata.annotations['stagedoor.io/source-key'];
      assert.match(newKey, /\/contoso\/shop\/catalog@main$/);
      // Nothing is left under the old name or key.
      const all = await backend.get(
        `/entities/by-query?filter=metadata.name=catalogue`,
      );
      assert.equal(all.status, 200);
      assert.equal(all.body.items.length, 1);
      const old = await backend.get(
        `/stagedoor/v1/sources/${encodeURIComponent(newKey.replace('/catalog@', '/catalogue@'))}`,
      );
      assert.equal(old.status, 200, JSON.stringify(old.body));
      assert.deepEqual(old.body.entities, []);

      // Later changes of the renamed repository still update it in place.
      setFile(
        r,
        '/catalog-info.yaml',
        componentYaml('catalogue', 'team-renamed'),
      );
      await deliver('git.push', r);
      const changed = await entityWhen(
        backend,
        'catalogue',
        e => e?.spec.owner === 'team-renamed',
      );
      assert.equal(changed.metadata.uid, before.metadata.uid);

      // Audited: the rename updated one entity and removed none.
      const record = await eventually(
        async () =>
          hookAudits(audit).find(e => e.meta?.hookEventId === res.event.id),
        'the audit record of the rename',
      );
      assert.equal(record.status, 'succeeded', record.raw);
      assert.equal(record.severityLevel, 'medium');
      assert.deepEqual(
        {
          eventType: record.meta?.eventType,
          repositoryId: record.meta?.repositoryId,
          outcome: record.meta?.outcome,
          added: record.meta?.added,
          updated: record.meta?.updated,
          removed: record.meta?.removed,
        },
        {
          eventType: 'git.repo.renamed',
          repositoryId: r.id,
          outcome: 'read',
          added: 0,
          updated: 1,
          removed: 0,
        },
      );
      assert.match(String(record.meta?.sourceKey), /\/shop\/catalog@main$/);
    });

    it('git.repo.statuschanged: disabled removes the entities, enabled brings them back', async () => {
      const r = repo('billing');
      await deliver('git.repo.created', r);
      await entityWhen(backend, 'billing', e => !!e);
      r.isDisabled = true;
      const off = await deliver('git.repo.statuschanged', r);
      assert.equal(off.body.action, 'refresh');
      await entityWhen(backend, 'billing', gone, 'billing removed');
      r.isDisabled = false;
      await deliver('git.repo.statuschanged', r);
      await entityWhen(backend, 'billing', e => !!e, 'billing back');
    });

    it('git.repo.deleted removes its entities', async () => {
      await entityWhen(backend, 'billing', e => !!e);
      const r = repo('billing');
      shop.repositories.splice(shop.repositories.indexOf(r), 1);
      const res = await deliver('git.repo.deleted', r);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.repositoryId, r.id);
      await entityWhen(backend, 'billing', gone, 'billing removed');
      const record = await eventually(
        async () =>
          hookAudits(audit).find(e => e.meta?.hookEventId === res.event.id),
        'the audit record of the deletion',
      );
      assert.equal(record.meta?.outcome, 'removed', record.raw);
      assert.equal(record.meta?.removed, 1);
    });

    it('counts deliveries and times their re-reads, with bounded attributes only', async () => {
      const deliveries = recorded.filter(
        m => m.name === 'stagedoor.hooks.deliveries',
      );
      const count = (eventType: string, outcome: string) =>
        deliveries
          .filter(
            m =>
              m.attributes['stagedoor.hooks.event_type'] === eventType &&
              m.attributes['stagedoor.hooks.outcome'] === outcome,
          )
          .reduce((n, m) => n + m.value, 0);
      assert.ok(count('git.push', 'refresh') >= 4, JSON.stringify(deliveries));
      assert.equal(count('git.push', 'duplicate'), 1);
      assert.equal(count('git.push', 'ignored'), 1);
      assert.equal(count('git.repo.renamed', 'refresh'), 1);
      assert.equal(count('git.repo.deleted', 'refresh'), 1);
      assert.equal(
        count('_OTHER', 'ignored'),
        2,
        'workitem.created, build.complete',
      );
      assert.equal(count('_OTHER', 'unauthenticated'), 6);
      assert.equal(count('_OTHER', 'invalid'), 3);
      const durations = recorded.filter(
        m => m.name === 'stagedoor.hooks.duration',
      );
      const results = new Set(
        durations.map(
          m =>
            `${m.attributes['stagedoor.hooks.event_type']} ${m.attributes['stagedoor.hooks.result']}`,
        ),
      );
      for (const expected of [
        'git.repo.created read',
        'git.push read',
        'git.repo.renamed read',
        'git.repo.statuschanged removed',
        'git.repo.deleted removed',
      ])
        assert.ok(results.has(expected), `${expected} in ${[...results]}`);
      for (const m of durations) assert.ok(m.value >= 0 && m.value < 60);
      // Never ids, names or keys: only these attributes.
      for (const m of [...deliveries, ...durations])
        for (const key of Object.keys(m.attributes))
          assert.ok(
            [
              'stagedoor.hooks.event_type',
              'stagedoor.hooks.outcome',
              'stagedoor.hooks.result',
            ].includes(key),
            key,
          );
    });
  });

/**
 * `onRepositoryGone: mark` keeps a disabled or deleted repository's entities with a label,
 * also through a discovery run; and accepted event ids are pruned after the retention.
 */
for (const db of ['SQLite', 'PostgreSQL'] as const)
  describe(`service hooks: onRepositoryGone mark, and pruning event ids (${db})`, function () {
    this.timeout(300_000);
    const database = suiteDatabase(db);
    let fake: FakeAzureDevOps;
    let backend: PushBackend;
    let url: string;
    let shop: ProjectState;
    const LABEL = 'stagedoor.io/repository-state';
    const repo = (name: string) => fake.state.repository(shop, name);
    const deliver = (
      eventType: string,
      r: RepositoryState,
      extra: Record<string, unknown> = {},
    ) =>
      fake.deliverEvent({
        url,
        eventType,
        project: shop,
        repository: r,
        basicAuth: BASIC,
        ...extra,
      });
    const label = (e: any) => e?.metadata.labels?.[LABEL];

    async function runTask(task: string) {
      const state = async () => {
        const res = await backend.get('/.backstage/scheduler/v1/tasks');
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.tasks.find((t: any) => t.taskId === task)?.taskState;
      };
      const before = (await state())?.lastRunEndedAt;
      const res = await backend.post(
        `/.backstage/scheduler/v1/tasks/${task}/trigger`,
        {},
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const s = await eventually(
        async () => {
          const now = await state();
          return now?.status === 'idle' &&
            now.lastRunEndedAt &&
            now.lastRunEndedAt !== before
            ? now
            : undefined;
        },
        `the ${task} run to end`,
        90_000,
      );
      assert.equal(s.lastRunError, undefined, s.lastRunError);
    }

    before(async function () {
      const dbConfig = await database.config(this);
      fake = await startFakeAzureDevOps({
        organization: 'contoso',
        pats: { [PAT]: { displayName: 'Hooks' } },
        projects: [{ name: 'Shop', repositories: ['stock', 'ledger'] }],
      });
      shop = fake.state.project('Shop');
      repo('stock').files.set(
        '/catalog-info.yaml',
        Buffer.from(componentYaml('stock')),
      );
      repo('ledger').files.set(
        '/catalog-info.yaml',
        Buffer.from(componentYaml('ledger')),
      );
      backend = await startPushBackend({
        database: dbConfig,
        integrations: {
          azure: [
            {
              host: new URL(fake.baseUrl).host,
              credentials: [{ personalAccessToken: PAT }],
            },
          ],
        },
        discovery: {
          organizations: [{ url: fake.orgUrl, projects: ['Shop'] }],
          schedule: {
            frequency: { trigger: 'manual' },
            timeout: { minutes: 3 },
          },
          maxRetryWait: { seconds: 5 },
        },
        hooks: {
          basicAuth: BASIC,
          onRepositoryGone: 'mark',
          deliveryRetention: { seconds: 6 },
          pruneFrequency: { hours: 24 },
        },
      });
      url = `${backend.baseUrl}/api/catalog/stagedoor/v1/hooks/azure-devops`;
      await deliver('git.repo.created', repo('stock'));
      await deliver('git.repo.created', repo('ledger'));
      await entityWhen(backend, 'stock', e => !!e);
      await entityWhen(backend, 'ledger', e => !!e);
    });
    after(async () => {
      await backend?.stop();
      await fake?.close();
      await database.drop();
    });

    it('disabled: the entities stay, labelled disabled (same uid); enabled again: the label goes', async () => {
      const r = repo('stock');
      const before = await entityWhen(backend, 'stock', e => !!e);
      assert.equal(label(before), undefined);
      r.isDisabled = true;
      await deliver('git.repo.statuschanged', r);
      const marked = await entityWhen(
        backend,
        'stock',
        e => label(e) === 'disabled',
      );
      assert.equal(marked.metadata.uid, before.metadata.uid);
      assert.equal(marked.spec.owner, before.spec.owner);
      const filtered = await backend.get(
        `/entities/by-query?filter=metadata.labels.${LABEL}=disabled`,
      );
      assert.deepEqual(
        filtered.body.items.map((e: any) => e.metadata.name),
        ['stock'],
      );
      // A discovery run leaves it marked (it skips disabled repositories, and does not remove it).
      await runTask('stagedoor-discovery');
      assert.equal(
        label(await entityWhen(backend, 'stock', e => !!e)),
        'disabled',
      );
      r.isDisabled = false;
      await deliver('git.repo.statuschanged', r);
      const back = await entityWhen(backend, 'stock', e => !!e && !label(e));
      assert.equal(back.metadata.uid, before.metadata.uid);
    });

    it('deleted: the entities stay, labelled deleted, also through a discovery run', async () => {
      const r = repo('ledger');
      const before = await entityWhen(backend, 'ledger', e => !!e);
      shop.repositories.splice(shop.repositories.indexOf(r), 1);
      const res = await deliver('git.repo.deleted', r);
      assert.equal(res.status, 202);
      const marked = await entityWhen(
        backend,
        'ledger',
        e => label(e) === 'deleted',
      );
      assert.equal(marked.metadata.uid, before.metadata.uid);
      await runTask('stagedoor-discovery');
      assert.equal(
        label(await entityWhen(backend, 'ledger', e => !!e)),
        'deleted',
      );
      assert.equal(
        label(await entityWhen(backend, 'stock', e => !!e)),
        undefined,
      );
    });

    it('prunes event ids older than deliveryRetention: a redelivery after that is handled again', async () => {
      const r = repo('stock');
      const old = await deliver('git.push', r);
      assert.equal(old.body.action, 'refresh');
      await new Promise(done => setTimeout(done, 6_500));
      const recent = await deliver('git.push', r);
      assert.equal(recent.body.action, 'refresh');
      await runTask('stagedoor-hook-deliveries-prune');
      const again = await deliver('git.push', r, { id: old.event.id });
      assert.equal(again.body.action, 'refresh', 'the old id was pruned');
      const twice = await deliver('git.push', r, { id: recent.event.id });
      assert.equal(twice.body.action, 'duplicate', 'the recent id was kept');
    });
  });

describe('service hooks: configuration', function () {
  this.timeout(120_000);
  it('refuses to start with hooks configured but discovery not', async () => {
    await assert.rejects(
      startPushBackend({
        hooks: { basicAuth: BASIC },
      }),
      /stagedoor\.hooks is configured but stagedoor\.discovery is not/,
    );
  });

  it('refuses an onRepositoryGone other than remove or mark', async () => {
    await assert.rejects(
      startPushBackend({
        discovery: {
          organizations: [{ url: 'https://dev.azure.com/contoso' }],
          schedule: {
            frequency: { trigger: 'manual' },
            timeout: { minutes: 1 },
          },
        },
        hooks: { basicAuth: BASIC, onRepositoryGone: 'archive' },
      }),
      /stagedoor\.hooks\.onRepositoryGone must be remove or mark, got archive/,
    );
  });
});
