import type { CostRow } from '../azure/queryDefinition';
import { AzureCostError } from '../azure/errors';

/** The figures of a set of scopes over a period (what is cached). */
export interface CostSummary {
  currency?: string;
  total: number;
  byService: { service: string; cost: number }[];
  byResource: { resourceId: string; cost: number }[];
  daily: { date: string; cost: number }[];
  fetchedAt: string;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The UTC dates of a period of `days` days ending `today` (inclusive). */
export function periodOf(days: number, today = new Date()) {
  const to = new Date(
    Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()),
  );
  const from = new Date(to.getTime() - (days - 1) * 86_400_000);
  return {
    from: from.toISOString().slice(0, 10),
    to: to.toISOString().slice(0, 10),
  };
}

function daysOf(period: { from: string; to: string }): string[] {
  const out: string[] = [];
  for (
    let t = Date.parse(`${period.from}T00:00:00Z`);
    t <= Date.parse(`${period.to}T00:00:00Z`);
    t += 86_400_000
  ) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

function oneCurrency(currencies: Iterable<string | undefined>) {
  const set = new Set([...currencies].filter((c): c is string => !!c));
  if (set.size > 1) {
    throw new AzureCostError(
      `Azure reported costs in several currencies (${[...set].join(', ')}); they are not added up`,
      'MixedCurrency',
    );
  }
  return [...set][0];
}

const largestFirst = (map: Map<string, number>) =>
  [...map]
    .map(([name, cost]) => ({ name, cost: round(cost) }))
    .sort((a, b) => b.cost - a.cost);

const byService = (map: Map<string, number>) =>
  largestFirst(map).map(({ name, cost }) => ({ service: name, cost }));

// The 50 largest resources: enough for a card or a table, small enough to cache.
const byResource = (map: Map<string, number>) =>
  largestFirst(map)
    .slice(0, 50)
    .map(({ name, cost }) => ({ resourceId: name, cost }));

/** Totals per service, per resource and per day (every day of the period) of some rows. */
export function summarize(
  rows: CostRow[],
  period: { from: string; to: string },
  fetchedAt = new Date().toISOString(),
): CostSummary {
  const services = new Map<string, number>();
  const resources = new Map<string, number>();
  const days = new Map(daysOf(period).map(d => [d, 0]));
  let total = 0;
  for (const row of rows) {
    total += row.cost;
    services.set(row.service, (services.get(row.service) ?? 0) + row.cost);
    const id = row.resourceId.toLowerCase();
    resources.set(id, (resources.get(id) ?? 0) + row.cost);
    if (days.has(row.date)) days.set(row.date, days.get(row.date)! + row.cost);
  }
  return {
    currency: oneCurrency(rows.map(r => r.currency)),
    total: round(total),
    byService: byService(services),
    byResource: byResource(resources),
    daily: [...days].map(([date, cost]) => ({ date, cost: round(cost) })),
    fetchedAt,
  };
}

/** The sum of several summaries of the same period (a Group's components). */
export function combine(
  summaries: CostSummary[],
  period: { from: string; to: string },
): CostSummary {
  const services = new Map<string, number>();
  const resources = new Map<string, number>();
  const days = new Map(daysOf(period).map(d => [d, 0]));
  let total = 0;
  for (const s of summaries) {
    total += s.total;
    for (const { service, cost } of s.byService)
      services.set(service, (services.get(service) ?? 0) + cost);
    for (const { resourceId, cost } of s.byResource)
      resources.set(resourceId, (resources.get(resourceId) ?? 0) + cost);
    for (const { date, cost } of s.daily)
      if (days.has(date)) days.set(date, days.get(date)! + cost);
  }
  const fetched = summaries.map(s => s.fetchedAt).sort();
  return {
    currency: oneCurrency(summaries.map(s => s.currency)),
    total: round(total),
    byService: byService(services),
    byResource: byResource(resources),
    daily: [...days].map(([date, cost]) => ({ date, cost: round(cost) })),
    fetchedAt: fetched[0] ?? new Date().toISOString(),
  };
}
