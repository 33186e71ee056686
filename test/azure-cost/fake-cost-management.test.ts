import { strict as assert } from 'node:assert';
import { request } from 'node:https';
import { startFakeEntra, type FakeEntra } from '../fixtures/entra';
import {
  startFakeCostManagement,
  type FakeCostManagement,
} from '../fixtures/cost-management';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SUB = '3f2b4c1d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

function post(
  url: string,
  ca: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers }, res => {
      let text = '';
      res.on('data', c => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The fake itself: it refuses what the real API refuses, so the plugin's tests mean something. */
describe('fake Cost Management Query API', function () {
  this.timeout(60_000);
  let entra: FakeEntra;
  let cm: FakeCostManagement;
  let token: string;
  const query = () =>
    `${cm.url}/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.CostManagement/query?api-version=2025-03-01`;
  const send = (body: unknown, auth = `Bearer ${token}`) =>
    post(query(), cm.caPem, JSON.stringify(body), {
      'content-type': 'application/json',
      authorization: auth,
    });
  const valid = {
    type: 'ActualCost',
    timeframe: 'Custom',
    timePeriod: { from: '2026-01-01T00:00:00Z', to: '2026-01-31T23:59:59Z' },
    dataset: {
      granularity: 'Daily',
      aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
      grouping: [{ type: 'Dimension', name: 'ServiceName' }],
    },
  };

  before(async () => {
    entra = await startFakeEntra();
    entra.registerApp({
      tenantId: TENANT,
      clientId: 'cost-reader',
      secret: 's3cret',
    });
    cm = await startFakeCostManagement({ entra, tenantId: TENANT });
    cm.setResourceGroup({
      subscriptionId: SUB,
      name: 'rg',
      costs: [
        { date: '2026-01-02', service: 'Storage', resourceId: '/r', cost: 2 },
      ],
    });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'cost-reader',
      client_secret: 's3cret',
      scope: 'https://management.azure.com/.default',
    }).toString();
    token = (
      await post(
        `${entra.url}/${TENANT}/oauth2/v2.0/token`,
        entra.caPem,
        form,
        {
          'content-type': 'application/x-www-form-urlencoded',
        },
      )
    ).json.access_token;
  });
  after(async () => {
    await cm?.close();
    await entra?.close();
  });

  it('answers a valid query in the column/row shape', async () => {
    const { status, json } = await send(valid);
    assert.equal(status, 200);
    assert.deepEqual(
      json.properties.columns.map((c: { name: string }) => c.name),
      ['Cost', 'UsageDate', 'ServiceName', 'Currency'],
    );
    assert.deepEqual(json.properties.rows, [[2, 20260102, 'Storage', 'EUR']]);
    assert.equal(json.properties.nextLink, null);
  });

  for (const [what, body] of [
    ['an unknown query type', { ...valid, type: 'Everything' }],
    ['no dataset', { type: 'ActualCost', timeframe: 'Custom' }],
    ['a dateless time period', { ...valid, timePeriod: { from: 'January' } }],
    [
      'an aggregation other than Sum',
      {
        ...valid,
        dataset: {
          ...valid.dataset,
          aggregation: { totalCost: { name: 'Cost', function: 'Avg' } },
        },
      },
    ],
    [
      'a filter leaf without values',
      {
        ...valid,
        dataset: {
          ...valid.dataset,
          filter: { tags: { name: 'x', operator: 'In', values: [] } },
        },
      },
    ],
  ] as const) {
    it(`refuses ${what} (400, as the specification's schema says)`, async () => {
      const { status, json } = await send(body);
      assert.equal(status, 400);
      assert.match(json.error.message, /^Invalid query definition/);
    });
  }

  it('refuses a missing or foreign token', async () => {
    assert.equal((await send(valid, '')).status, 401);
    assert.equal((await send(valid, 'Bearer e30.e30.x')).status, 401);
  });
});
