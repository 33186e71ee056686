import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type {
  FakeCostManagement,
  FixtureCost,
} from '../fixtures/cost-management';
import type { FakeEntra } from '../fixtures/entra';
import { startAzureFakes, type AzureFakes } from './fakes';
import { ALICE, BOB, as, readJson } from './backend';
import { SUBSCRIPTION, writeEntities } from './entities';

const day = (ago: number) =>
  new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);

/** `count` resources of `service`, a cost each day for 35 days (5 before the period). */
function costs(
  rg: string,
  service: string,
  count: number,
  tags?: Record<string, string>,
): FixtureCost[] {
  const out: FixtureCost[] = [];
  for (let r = 0; r < count; r++) {
    for (let ago = 0; ago < 35; ago++) {
      out.push({
        date: day(ago),
        service,
        resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/Microsoft.Web/sites/${service.replace(/\W/g, '')}-${r}`,
        cost: 1 + r + (ago % 7) / 4,
        tags,
      });
    }
  }
  return out;
}

/** What the last 30 days of some fixture costs add up to. */
const expected = (rows: FixtureCost[]) =>
  Math.round(
    rows.filter(c => c.date >= day(29)).reduce((n, c) => n + c.cost, 0) * 100,
  ) / 100;

/**
 * The plugin against a fake Cost Management Query API that validates every body
 * against the specification, with a token from @azure/identity's workload identity
 * (DefaultAzureCredential, unmodified) issued by the fake Entra ID. The backend runs
 * in a child process that trusts both fakes' certificates through NODE_EXTRA_CA_CERTS.
 */
describe('Azure cost plugin (Cost Management API, workload identity)', function () {
  this.timeout(240_000);
  let fakes: AzureFakes;
  let entra: FakeEntra;
  let cm: FakeCostManagement;
  let child: ChildProcess;
  let baseUrl: string;
  let release: () => void = () => undefined;
  const fixture: Record<string, FixtureCost[]> = {};

  before(async () => {
    fakes = await startAzureFakes();
    ({ entra, costManagement: cm } = fakes);
    cm.pageSize = 500;
    fixture['rg-payments'] = [
      ...costs('rg-payments', 'Azure App Service', 2, { service: 'payments' }),
      ...costs('rg-payments', 'Storage', 1, { service: 'payments' }),
    ];
    fixture['rg-shared'] = [
      ...costs('rg-shared', 'Azure Database for PostgreSQL', 1, {
        service: 'payments',
      }),
    ];
    const othersInShared = costs('rg-shared', 'Bandwidth', 2, {
      service: 'ledger',
    });
    fixture['rg-big'] = costs('rg-big', 'Virtual Machines', 40);
    fixture['rg-throttled'] = costs('rg-throttled', 'Storage', 1);
    fixture['rg-concurrent'] = costs('rg-concurrent', 'Storage', 1);
    fixture['rg-ledger'] = costs('rg-ledger', 'Storage', 1);
    const hold = new Promise(resolve => (release = () => resolve(undefined)));
    for (const [name, rows] of Object.entries(fixture)) {
      cm.setResourceGroup({
        subscriptionId: SUBSCRIPTION,
        name,
        currency: 'EUR',
        costs: name === 'rg-shared' ? [...rows, ...othersInShared] : rows,
        ...(name === 'rg-throttled'
          ? { throttle: 2, retryAfterSeconds: 1 }
          : {}),
        ...(name === 'rg-concurrent' ? { hold } : {}),
      });
    }
    cm.setResourceGroup({
      subscriptionId: SUBSCRIPTION,
      name: 'rg-throttled-long',
      costs: [],
      throttle: 99,
      retryAfterSeconds: 600,
    });
    cm.setResourceGroup({
      subscriptionId: SUBSCRIPTION,
      name: 'rg-forbidden',
      costs: [],
      forbidden: true,
    });

    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('AZURE_')) delete env[k];
    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'backendChild.ts')],
      {
        env: {
          ...env,
          ...fakes.env,
          STAGEDOOR_TEST_AZURE_COST: JSON.stringify({
            entitiesFile: writeEntities(),
            azureCost: {
              source: 'azure',
              cacheTtl: { minutes: 10 },
              azure: {
                endpoint: cm.url,
                timeout: { seconds: 30 },
                maxRetries: 3,
                maxRetryAfter: { seconds: 5 },
              },
            },
          }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', c => (stderr += c));
    baseUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', c => {
        out += c;
        const line = out.split('\n').find(l => l.startsWith('{"baseUrl"'));
        if (line) resolve(JSON.parse(line).baseUrl);
      });
      child.on('exit', code =>
        reject(new Error(`backend exited (${code}): ${stderr.slice(-2000)}`)),
      );
    });
    const deadline = Date.now() + 90_000;
    for (const name of ['payments', 'ledger', 'concurrent']) {
      while (
        !(
          await fetch(
            `${baseUrl}/api/catalog/entities/by-name/component/default/${name}`,
            { headers: as(ALICE) },
          )
        ).ok
      ) {
        if (Date.now() > deadline)
          throw new Error(`${name} not in the catalog`);
        await new Promise(r => setTimeout(r, 250));
      }
    }
  });

  after(async () => {
    release();
    child?.kill('SIGTERM');
    await fakes?.close();
  });

  const cost = (ref: string, user = ALICE) =>
    fetch(
      `${baseUrl}/api/azure-cost/cost?entityRef=${encodeURIComponent(ref)}`,
      {
        headers: as(user),
      },
    );
  const requestsFor = (rg: string) =>
    cm.requests.filter(r => r.resourceGroup === rg);

  it('queries each resource group with the tag filter and adds up the answer', async () => {
    const res = await cost('component:default/payments');
    assert.equal(res.status, 200, await res.clone().text());
    const report = await readJson(res);
    assert.equal(report.source, 'azure');
    assert.equal(report.currency, 'EUR');
    assert.equal(
      report.total,
      Math.round(
        (expected(fixture['rg-payments']) + expected(fixture['rg-shared'])) *
          100,
      ) / 100,
    );
    assert.deepEqual(
      report.byService.map((s: { service: string }) => s.service).sort(),
      ['Azure App Service', 'Azure Database for PostgreSQL', 'Storage'],
    );
    assert.equal(report.daily.length, 30);
    for (const rg of ['rg-payments', 'rg-shared']) {
      const [only, ...more] = requestsFor(rg);
      assert.equal(more.length, 0);
      assert.equal(only.status, 200);
      const body = only.body as Record<string, any>;
      assert.equal(body.type, 'ActualCost');
      assert.equal(body.timeframe, 'Custom');
      assert.equal(body.timePeriod.from, `${day(29)}T00:00:00Z`);
      assert.equal(body.dataset.granularity, 'Daily');
      assert.deepEqual(body.dataset.grouping, [
        { type: 'Dimension', name: 'ServiceName' },
        { type: 'Dimension', name: 'ResourceId' },
      ]);
      assert.deepEqual(body.dataset.filter, {
        tags: { name: 'service', operator: 'In', values: ['payments'] },
      });
    }
    // The token came from Entra ID through workload identity federation.
    assert.ok(
      entra.requests.some(r => r.via === 'federated' && r.status === 200),
    );
  });

  it('serves a repeated request from the cache', async () => {
    const before = cm.requests.length;
    const res = await cost('component:default/payments');
    assert.equal(res.status, 200);
    assert.equal(cm.requests.length, before);
  });

  it('follows nextLink through every page', async () => {
    const report = await readJson(await cost('component:default/big'));
    const pages = requestsFor('rg-big');
    assert.deepEqual(
      pages.map(p => p.skipToken),
      [undefined, '500', '1000'],
    );
    assert.equal(report.total, expected(fixture['rg-big']));
    assert.equal(report.byResource.length, 40);
  });

  it('waits out a 429 as the retry header says, then answers', async () => {
    const res = await cost('component:default/throttled');
    assert.equal(res.status, 200);
    assert.deepEqual(
      requestsFor('rg-throttled').map(r => r.status),
      [429, 429, 200],
    );
    assert.equal(
      (await readJson(res)).total,
      expected(fixture['rg-throttled']),
    );
  });

  it('ends in a clear error state when Azure asks to wait longer than allowed', async () => {
    const res = await cost('component:default/throttled-long');
    assert.equal(res.status, 503);
    const body = await readJson(res);
    assert.equal(body.error.name, 'AzureCostError');
    assert.equal(body.error.code, 'TooManyRequests');
    assert.match(body.error.message, /too many requests.*wait 600 s/);
    assert.equal(requestsFor('rg-throttled-long').length, 1);
  });

  it('passes on what Azure said when it refuses the query', async () => {
    const res = await cost('component:default/forbidden');
    assert.equal(res.status, 502);
    const body = await readJson(res);
    assert.equal(body.error.name, 'AzureCostError');
    assert.equal(body.error.code, 'AuthorizationFailed');
    assert.match(
      body.error.message,
      /^Azure said \(403 AuthorizationFailed\) for resource group rg-forbidden: The client does not have authorization/,
    );
  });

  it('shares one query among concurrent requests for the same scope', async () => {
    const first = cost('component:default/concurrent');
    const second = cost('component:default/concurrent', BOB);
    // Both requests are in the backend before Cost Management answers the first.
    await new Promise(r => setTimeout(r, 1500));
    release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal((await readJson(a)).total, (await readJson(b)).total);
    assert.equal(requestsFor('rg-concurrent').length, 1);
  });

  it('does not query Azure for an entity the user may not read', async () => {
    const res = await cost('component:default/ledger', BOB);
    assert.equal(res.status, 403);
    assert.equal(requestsFor('rg-ledger').length, 0);
    assert.equal((await cost('component:default/ledger')).status, 200);
    assert.equal(requestsFor('rg-ledger').length, 1);
  });
});
