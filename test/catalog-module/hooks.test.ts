import { strict as assert } from 'node:assert';
import {
  componentYaml,
  type FakeAzureDevOps,
  startFakeAzureDevOps,
} from '../fixtures/azure-devops';
import type {
  ProjectState,
  RepositoryState,
} from '../fixtures/azure-devops/state';
import { entityWhen, type PushBackend, startPushBackend } from './harness';

const PAT = 'hooks-pat';
const BASIC = { username: 'azure-devops', password: 'hook-password-1' };
const HEADER = { name: 'X-Stagedoor-Hook-Secret', value: 'header-secret-2' };
const gone = (e: unknown) => e === undefined;

/**
 * The service hook receiver through a real catalog with discovery against the fake
 * Azure DevOps; the fake delivers events built from Microsoft's samples over HTTP, and
 * every outcome is read back through the catalog API.
 */
describe('service hooks (SQLite)', function () {
  this.timeout(300_000);
  let fake: FakeAzureDevOps;
  let backend: PushBackend;
  let url: string;
  let shop: ProjectState;

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

  before(async () => {
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
        schedule: { frequency: { trigger: 'manual' }, timeout: { minutes: 3 } },
        maxRetryWait: { seconds: 5 },
      },
      hooks: { basicAuth: BASIC, header: HEADER, maxBodyBytes: 50_000 },
    });
    url = `${backend.baseUrl}/api/catalog/stagedoor/v1/hooks/azure-devops`;
  });
  after(async () => {
    await backend?.stop();
    await fake?.close();
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
      }).then(async r => ({ status: r.status, body: (await r.json()) as any }));
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
    const res = await deliver('git.repo.renamed', r, { oldName: 'catalogue' });
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
});
