import { strict as assert } from 'node:assert';
import {
  componentYaml,
  type FakeAzureDevOps,
  startFakeAzureDevOps,
} from '../fixtures/azure-devops';
import type { RepositoryState } from '../fixtures/azure-devops/state';
import {
  entityWhen,
  eventually,
  pushBody,
  type PushBackend,
  startPushBackend,
} from './harness';

const PAT = 'discovery-pat';
const TASK = 'stagedoor-discovery';

/** The discovery task's state, as the scheduler's own API reports it. */
async function taskState(backend: PushBackend) {
  const res = await backend.get('/.backstage/scheduler/v1/tasks');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.tasks.find((t: any) => t.taskId === TASK)?.taskState as
    | { status: string; lastRunEndedAt?: string; lastRunError?: string }
    | undefined;
}

/**
 * Triggers one discovery run through the scheduler (as an operator would) and waits
 * until it has ended; answers the fake's requests made during the run.
 */
async function runDiscovery(backend: PushBackend, fake: FakeAzureDevOps) {
  const before = (await taskState(backend))?.lastRunEndedAt;
  const from = fake.requests.length;
  const res = await backend.post(
    `/.backstage/scheduler/v1/tasks/${TASK}/trigger`,
    {},
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const state = await eventually(
    async () => {
      const s = await taskState(backend);
      return s?.status === 'idle' &&
        s.lastRunEndedAt &&
        s.lastRunEndedAt !== before
        ? s
        : undefined;
    },
    'the discovery run to end',
    90_000,
  );
  assert.equal(state.lastRunError, undefined, state.lastRunError);
  return fake.requests.slice(from);
}

function repo(fake: FakeAzureDevOps, project: string, name: string) {
  return fake.state.repository(fake.state.project(project), name);
}

function setFile(r: RepositoryState, path: string, content: string) {
  r.files.set(path, Buffer.from(content));
}

const gone = (e: unknown) => e === undefined;

/**
 * Discovery against the fake Azure DevOps (every request checked against the REST
 * 7.1 specs) and a real catalog on SQLite; outcomes are read through the catalog API.
 */
describe('discovery (SQLite)', function () {
  this.timeout(300_000);
  let fake: FakeAzureDevOps;
  let backend: PushBackend;
  let failFlaky = true;

  before(async () => {
    fake = await startFakeAzureDevOps({
      organization: 'contoso',
      pats: { [PAT]: { displayName: 'Discovery' } },
      projects: [
        {
          name: 'Shop',
          repositories: [
            'orders',
            'billing',
            'nested',
            'broken',
            'legacy',
            'fresh',
            'forked',
            'retired',
          ],
        },
        { name: 'Infra', repositories: ['terraform', 'deployer'] },
        { name: 'Flaky', repositories: ['wobbly'] },
        { name: 'Hidden', repositories: ['secret'] },
      ],
    });
    for (const [project, name] of [
      ['Shop', 'billing'],
      ['Shop', 'forked'],
      ['Shop', 'retired'],
      ['Infra', 'terraform'],
      ['Infra', 'deployer'],
      ['Flaky', 'wobbly'],
      ['Hidden', 'secret'],
    ])
      setFile(repo(fake, project, name), '/README.md', `# ${name}\n`);
    setFile(
      repo(fake, 'Shop', 'orders'),
      '/catalog-info.yaml',
      componentYaml('orders'),
    );
    setFile(
      repo(fake, 'Shop', 'nested'),
      '/.backstage/catalog-info.yaml',
      componentYaml('nested-service'),
    );
    setFile(
      repo(fake, 'Shop', 'broken'),
      '/catalog-info.yaml',
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken\nspec:\n  type: service\n',
    );
    setFile(
      repo(fake, 'Shop', 'legacy'),
      '/catalog-info.yaml',
      componentYaml('legacy'),
    );
    repo(fake, 'Shop', 'legacy').isDisabled = true;
    repo(fake, 'Shop', 'fresh').isEmpty = true;
    repo(fake, 'Shop', 'forked').isFork = true;
    fake.intercept = req =>
      failFlaky &&
      req.operationId === 'Repositories_List' &&
      /\/flaky\//i.test(req.path)
        ? { status: 500, message: 'TF400898: An internal error occurred.' }
        : undefined;

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
        organizations: [
          { url: fake.orgUrl, projects: ['Shop', 'Infra', 'Flaky'] },
        ],
        catalogPath: ['/catalog-info.yaml', '/.backstage/*.yaml'],
        schedule: { frequency: { trigger: 'manual' }, timeout: { minutes: 3 } },
        maxConcurrency: 4,
        maxRetryWait: { seconds: 5 },
      },
    });
  });
  after(async () => {
    await backend?.stop();
    await fake?.close();
  });

  it('puts every live repository in the catalog: its catalog file, or an unowned placeholder', async () => {
    await runDiscovery(backend, fake);
    const orders = await entityWhen(backend, 'orders', e => !!e);
    assert.equal(orders.spec.owner, 'team-a');
    assert.equal(
      orders.metadata.annotations['backstage.io/managed-by-location'],
      `url:${fake.orgUrl}/Shop/_git/orders?path=/catalog-info.yaml`,
    );
    assert.equal(
      orders.metadata.annotations['stagedoor.io/placeholder'],
      undefined,
    );
    const nested = await entityWhen(backend, 'nested-service', e => !!e);
    assert.equal(
      nested.metadata.annotations['backstage.io/managed-by-location'],
      `url:${fake.orgUrl}/Shop/_git/nested?path=/.backstage/catalog-info.yaml`,
    );

    const billing = await entityWhen(backend, 'billing', e => !!e);
    assert.equal(billing.spec.owner, 'unowned');
    assert.equal(billing.metadata.title, 'billing');
    const a = billing.metadata.annotations;
    assert.equal(a['stagedoor.io/placeholder'], 'true');
    assert.equal(a['dev.azure.com/project-repo'], 'Shop/billing');
    assert.equal(
      a['backstage.io/source-location'],
      `url:${fake.orgUrl}/Shop/_git/billing`,
    );
    assert.equal(
      a['backstage.io/view-url'],
      `${fake.orgUrl}/Shop/_git/billing`,
    );
    await entityWhen(backend, 'terraform', e => !!e);
  });

  it('leaves out disabled, empty and forked repositories and projects outside the filter', async () => {
    for (const name of ['legacy', 'fresh', 'forked', 'secret']) {
      const res = await backend.get(
        `/entities/by-name/component/default/${name}`,
      );
      assert.equal(res.status, 404, `${name}: ${JSON.stringify(res.body)}`);
    }
    const skipped = ['legacy', 'fresh', 'forked'].map(
      n => repo(fake, 'Shop', n).id,
    );
    const touched = fake.requests.filter(
      r =>
        skipped.some(id => r.path.includes(id)) || /\/Hidden\//i.test(r.path),
    );
    assert.deepEqual(
      touched.map(r => r.path),
      [],
    );
  });

  it('shows the problems of an invalid catalog file on the placeholder instead of its entities', async () => {
    const broken = await entityWhen(backend, 'broken', e => !!e);
    const a = broken.metadata.annotations;
    assert.equal(a['stagedoor.io/placeholder'], 'true');
    assert.match(
      a['stagedoor.io/discovery-problems'],
      /catalog-info\.yaml:\d+:\d+ .*(lifecycle|owner)/,
    );
  });

  it('survives a project whose listing fails and picks it up on the next run', async () => {
    const res = await backend.get('/entities/by-name/component/default/wobbly');
    assert.equal(res.status, 404);
    failFlaky = false;
    const requests = await runDiscovery(backend, fake);
    await entityWhen(backend, 'wobbly', e => !!e);
    // Nothing else moved: only the new repository's files were read.
    const reads = requests.filter(r => r.operationId === 'Items_List');
    assert.ok(reads.length > 0);
    assert.ok(
      reads.every(r =>
        /\/_apis\/git\/repositories\/[^/]+\/items$/.test(r.path),
      ),
    );
    const wobbly = repo(fake, 'Flaky', 'wobbly');
    assert.ok(
      reads.every(r => r.path.includes(wobbly.id)),
      JSON.stringify(reads.map(r => r.path)),
    );
  });

  it('reads no file when nothing changed: one refs request per repository plus the lists', async () => {
    const requests = await runDiscovery(backend, fake);
    const byOp = new Map<string, number>();
    for (const r of requests)
      byOp.set(
        r.operationId ?? r.path,
        (byOp.get(r.operationId ?? r.path) ?? 0) + 1,
      );
    assert.equal(byOp.get('Items_List'), undefined, JSON.stringify([...byOp]));
    // orders, billing, nested, broken, retired, terraform, deployer, wobbly
    assert.equal(byOp.get('Refs_List'), 8, JSON.stringify([...byOp]));
    assert.equal(byOp.get('Repositories_List'), 3);
  });

  it('replaces a placeholder by the catalog file the repository gets, reading only that repository', async () => {
    const billing = repo(fake, 'Shop', 'billing');
    setFile(
      billing,
      '/catalog-info.yaml',
      componentYaml('billing-service', 'team-b'),
    );
    const requests = await runDiscovery(backend, fake);
    const reads = requests.filter(r => r.operationId === 'Items_List');
    assert.ok(
      reads.length > 0 && reads.every(r => r.path.includes(billing.id)),
    );
    const entity = await entityWhen(backend, 'billing-service', e => !!e);
    assert.equal(entity.spec.owner, 'team-b');
    await entityWhen(backend, 'billing', gone, 'the billing placeholder to go');
  });

  it('waits out 429 answers with Retry-After and finishes the run', async () => {
    let throttled = 0;
    fake.intercept = req => {
      if (req.operationId === 'Refs_List' && throttled < 3) {
        throttled++;
        return {
          status: 429,
          message: 'TF400733: The request has been throttled.',
          headers: { 'Retry-After': '1', 'X-RateLimit-Resource': 'Core' },
        };
      }
      return undefined;
    };
    const orders = repo(fake, 'Shop', 'orders');
    setFile(orders, '/catalog-info.yaml', componentYaml('orders', 'team-c'));
    const requests = await runDiscovery(backend, fake);
    fake.intercept = undefined;
    assert.equal(requests.filter(r => r.status === 429).length, 3);
    // Every repository was still checked (8 + the 3 retried).
    assert.equal(
      requests.filter(r => r.operationId === 'Refs_List').length,
      11,
    );
    await entityWhen(backend, 'orders', e => e?.spec?.owner === 'team-c');
  });

  it('lets a push take over a discovered repository without a 409, and then leaves it alone', async () => {
    // Same name as the placeholder: the push owns it now (same source, no conflict).
    const push = await backend.push(
      pushBody(
        'deployer',
        { 'catalog-info.yaml': componentYaml('deployer', 'team-ops') },
        {
          organizationUrl: fake.orgUrl,
          project: 'Infra',
        },
      ),
    );
    assert.equal(push.status, 200, JSON.stringify(push.body));
    const deployer = await entityWhen(
      backend,
      'deployer',
      e => e?.spec?.owner === 'team-ops',
    );
    assert.equal(
      deployer.metadata.annotations['stagedoor.io/placeholder'],
      undefined,
    );

    // Another name: the placeholder goes, one entity for the repository.
    const push2 = await backend.push(
      pushBody(
        'terraform',
        { 'catalog-info.yaml': componentYaml('terraform-stack') },
        {
          organizationUrl: fake.orgUrl,
          project: 'Infra',
        },
      ),
    );
    assert.equal(push2.status, 200, JSON.stringify(push2.body));
    assert.deepEqual(push2.body.removed, ['component:default/terraform']);
    await entityWhen(backend, 'terraform-stack', e => !!e);
    await entityWhen(
      backend,
      'terraform',
      gone,
      'the terraform placeholder to go',
    );

    // The repository changes; discovery must not overwrite what the pipeline pushed.
    setFile(
      repo(fake, 'Infra', 'terraform'),
      '/catalog-info.yaml',
      componentYaml('terraform-other'),
    );
    setFile(
      repo(fake, 'Infra', 'deployer'),
      '/catalog-info.yaml',
      componentYaml('deployer', 'team-x'),
    );
    const requests = await runDiscovery(backend, fake);
    const infra = requests.filter(r =>
      /\/Infra\/_apis\/git\/repositories\/.+/i.test(r.path),
    );
    assert.deepEqual(
      infra.map(r => r.path),
      [],
    );
    const res = await backend.get(
      '/entities/by-name/component/default/terraform-other',
    );
    assert.equal(res.status, 404);
    const after = await entityWhen(backend, 'deployer', e => !!e);
    assert.equal(after.spec.owner, 'team-ops');
  });

  it('lets a push from another branch claim the entities discovery read, without a 409 or a duplicate', async () => {
    const push = await backend.push(
      pushBody(
        'orders',
        { 'catalog-info.yaml': componentYaml('orders', 'team-release') },
        {
          organizationUrl: fake.orgUrl,
          project: 'Shop',
          branch: 'refs/heads/release',
        },
      ),
    );
    assert.equal(push.status, 200, JSON.stringify(push.body));
    const orders = await entityWhen(
      backend,
      'orders',
      e => e?.spec?.owner === 'team-release',
    );
    assert.match(
      orders.metadata.annotations['stagedoor.io/source-key'],
      /@release$/,
    );
    // And discovery does not bring its own copy back.
    setFile(
      repo(fake, 'Shop', 'orders'),
      '/catalog-info.yaml',
      componentYaml('orders', 'team-d'),
    );
    await runDiscovery(backend, fake);
    const res = await backend.get('/entities/by-name/component/default/orders');
    assert.equal(res.body.spec.owner, 'team-release');
  });

  it('removes the entities of a repository that was disabled or deleted', async () => {
    repo(fake, 'Shop', 'retired').isDisabled = true;
    const shop = fake.state.project('Shop');
    shop.repositories.splice(
      shop.repositories.findIndex(r => r.name === 'nested'),
      1,
    );
    await runDiscovery(backend, fake);
    await entityWhen(backend, 'retired', gone, 'the retired placeholder to go');
    await entityWhen(
      backend,
      'nested-service',
      gone,
      'the deleted repository to go',
    );
  });
});
