import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'yaml';

export const SUBSCRIPTION = '3f2b4c1d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

function component(
  name: string,
  annotations: Record<string, string>,
  extra: { labels?: Record<string, string>; owner?: string } = {},
) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      annotations,
      ...(extra.labels ? { labels: extra.labels } : {}),
    },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: extra.owner ?? 'group:default/payments-team',
    },
  };
}

/**
 * The catalog of the tests: group payments-team owns payments (two resource groups,
 * a tag filter), ledger (confidential: bob may not read it) and billing-api (no
 * annotation); other components exercise paging, throttling and Azure's refusals.
 */
export function writeEntities(): string {
  const rg = (groups: string, more: Record<string, string> = {}) => ({
    'azure.com/resource-group': groups,
    'azure.com/subscription-id': SUBSCRIPTION,
    ...more,
  });
  const docs = [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'payments-team' },
      spec: { type: 'team', children: [] },
    },
    component(
      'payments',
      rg('rg-payments, rg-shared', {
        'azure.com/cost-tag': 'service=payments',
      }),
    ),
    component('ledger', rg('rg-ledger'), { labels: { confidential: 'true' } }),
    component('billing-api', {}),
    component('big', rg('rg-big'), { owner: 'group:default/other' }),
    component('throttled', rg('rg-throttled'), {
      owner: 'group:default/other',
    }),
    component('throttled-long', rg('rg-throttled-long'), {
      owner: 'group:default/other',
    }),
    component('forbidden', rg('rg-forbidden'), {
      owner: 'group:default/other',
    }),
    component('concurrent', rg('rg-concurrent'), {
      owner: 'group:default/other',
    }),
  ];
  const file = join(
    mkdtempSync(join(tmpdir(), 'stagedoor-azure-cost-')),
    'entities.yaml',
  );
  writeFileSync(file, docs.map(d => yaml.stringify(d)).join('---\n'));
  return file;
}
