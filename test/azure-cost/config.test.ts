import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'yaml';
import { ConfigReader } from '@backstage/config';
import type { Entity } from '@backstage/catalog-model';
import { readAzureCostConfig } from '@stagedoor/plugin-azure-cost-backend';
import {
  scopesForEntity,
  scopeKey,
} from '../../backstage-modules/plugin-azure-cost-backend/src/service/scope';
import {
  periodOf,
  summarize,
  combine,
} from '../../backstage-modules/plugin-azure-cost-backend/src/service/summary';
import { retryAfterMs } from '../../backstage-modules/plugin-azure-cost-backend/src/azure/CostManagementClient';
import { createHttpHeaders } from '@azure/core-rest-pipeline';

const BACKEND = join(__dirname, '../../backstage-modules/backend');
const SUB = '3f2b4c1d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const load = (...files: string[]) =>
  ConfigReader.fromConfigs(
    files.map(f => ({
      context: f,
      data: yaml.parse(readFileSync(join(BACKEND, f), 'utf8')),
    })),
  );
const entity = (annotations: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'x', annotations },
  spec: {},
});

describe('Azure cost configuration', () => {
  it('the production config selects the Cost Management API, never sample data', () => {
    const config = readAzureCostConfig(
      load('app-config.yaml', 'app-config.production.yaml'),
    );
    assert.equal(config.source, 'azure');
  });

  it('the development config selects sample data', () => {
    assert.equal(readAzureCostConfig(load('app-config.yaml')).source, 'sample');
  });

  it('defaults: azure, ActualCost, 30 of at most 92 days, 4 h cache, 3 retries', () => {
    const c = readAzureCostConfig(new ConfigReader({}));
    assert.deepEqual(
      [c.source, c.costType, c.defaultDays, c.maxDays, c.cacheTtlMs],
      ['azure', 'ActualCost', 30, 92, 4 * 3_600_000],
    );
    assert.equal(c.azure.endpoint, 'https://management.azure.com');
    assert.equal(c.azure.maxRetries, 3);
    assert.equal(c.azure.timeoutMs, 30_000);
  });

  for (const [azureCost, message] of [
    [{ source: 'fake' }, /source must be 'azure' or 'sample'/],
    [{ costType: 'Usage' }, /costType must be 'ActualCost' or 'AmortizedCost'/],
    [
      { defaultDays: 100 },
      /defaultDays \(100\) is longer than .*maxDays \(92\)/,
    ],
    [{ azure: { endpoint: 'http://localhost:1' } }, /endpoint must use https/],
    [
      { azure: { defaultSubscriptionId: 'prod' } },
      /defaultSubscriptionId must be a subscription id/,
    ],
    [
      { azure: { maxRetries: -1 } },
      /maxRetries must be an integer of at least 0/,
    ],
    [{ cacheTtl: { months: 1 } }, /use weeks, days, hours, minutes or seconds/],
  ] as const) {
    it(`refuses ${JSON.stringify(azureCost)}`, () => {
      assert.throws(
        () =>
          readAzureCostConfig(
            new ConfigReader({ stagedoor: { azureCost } } as never),
          ),
        message,
      );
    });
  }
});

describe('Azure cost scopes from annotations', () => {
  it('one scope per resource group, subscription from the annotation, the tag on each', () => {
    const scopes = scopesForEntity(
      entity({
        'azure.com/resource-group': ' rg-a, rg-b ,RG-A',
        'azure.com/subscription-id': SUB.toUpperCase(),
        'azure.com/cost-tag': 'service = payments',
      }),
      undefined,
    );
    assert.deepEqual(scopes, [
      {
        subscriptionId: SUB,
        resourceGroup: 'rg-a',
        tag: { key: 'service', value: 'payments' },
      },
      {
        subscriptionId: SUB,
        resourceGroup: 'rg-b',
        tag: { key: 'service', value: 'payments' },
      },
    ]);
    assert.equal(scopeKey(scopes), scopeKey([...scopes].reverse()));
  });

  it('takes the configured default subscription, and none without the annotation', () => {
    assert.deepEqual(
      scopesForEntity(entity({ 'azure.com/resource-group': 'rg' }), SUB),
      [{ subscriptionId: SUB, resourceGroup: 'rg' }],
    );
    assert.deepEqual(scopesForEntity(entity({}), SUB), []);
  });

  for (const [annotations, message] of [
    [{ 'azure.com/resource-group': ' , ' }, /is empty/],
    [
      { 'azure.com/resource-group': 'rg/x' },
      /'rg\/x' is not a resource group name/,
    ],
    [
      { 'azure.com/resource-group': 'rg' },
      /Add the annotation azure\.com\/subscription-id/,
    ],
    [
      { 'azure.com/resource-group': 'rg', 'azure.com/subscription-id': 'prod' },
      /must be a subscription id/,
    ],
    [
      {
        'azure.com/resource-group': 'rg',
        'azure.com/subscription-id': SUB,
        'azure.com/cost-tag': 'payments',
      },
      /must be key=value/,
    ],
  ] as const) {
    it(`says what to fix for ${JSON.stringify(annotations)}`, () => {
      assert.throws(
        () => scopesForEntity(entity(annotations), undefined),
        (e: Error) => e.name === 'InputError' && message.test(e.message),
      );
    });
  }
});

describe('Azure cost figures', () => {
  it('a period of n days ends today (UTC) and includes it', () => {
    assert.deepEqual(periodOf(30, new Date('2026-03-10T23:30:00Z')), {
      from: '2026-02-09',
      to: '2026-03-10',
    });
  });

  it('sums per service, resource and day; every day present; one currency only', () => {
    const period = { from: '2026-01-01', to: '2026-01-03' };
    const row = (
      date: string,
      service: string,
      resourceId: string,
      cost: number,
    ) => ({
      date,
      service,
      resourceId,
      cost,
      currency: 'EUR',
    });
    const s = summarize(
      [
        row('2026-01-01', 'Storage', '/a', 1.25),
        row('2026-01-01', 'VM', '/B', 2),
        row('2026-01-03', 'VM', '/b', 3),
      ],
      period,
    );
    assert.equal(s.total, 6.25);
    assert.deepEqual(s.byService, [
      { service: 'VM', cost: 5 },
      { service: 'Storage', cost: 1.25 },
    ]);
    assert.deepEqual(s.byResource[0], { resourceId: '/b', cost: 5 });
    assert.deepEqual(
      s.daily.map(d => d.cost),
      [3.25, 0, 3],
    );
    const both = combine([s, s], period);
    assert.equal(both.total, 12.5);
    assert.throws(
      () =>
        summarize(
          [
            row('2026-01-01', 'VM', '/a', 1),
            { ...row('2026-01-01', 'VM', '/a', 1), currency: 'USD' },
          ],
          period,
        ),
      /several currencies \(EUR, USD\)/,
    );
  });

  it('reads the back-off from the Cost Management retry headers, longest first', () => {
    assert.equal(
      retryAfterMs(
        createHttpHeaders({
          'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '7',
          'retry-after': '2',
        }),
      ),
      7000,
    );
    assert.equal(
      retryAfterMs(
        createHttpHeaders({
          'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after': '3',
        }),
      ),
      3000,
    );
    assert.equal(retryAfterMs(createHttpHeaders({})), undefined);
  });
});
