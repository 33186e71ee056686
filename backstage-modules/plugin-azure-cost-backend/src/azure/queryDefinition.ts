import type { AzureCostScope, AzureCostType } from '../types';

/** The body of a Cost Management query (`QueryDefinition`, api-version 2025-03-01). */
export interface QueryDefinition {
  type: AzureCostType;
  timeframe: 'Custom';
  timePeriod: { from: string; to: string };
  dataset: {
    granularity: 'Daily';
    aggregation: Record<string, { name: string; function: 'Sum' }>;
    grouping: { type: 'Dimension' | 'TagKey'; name: string }[];
    filter?: {
      tags?: { name: string; operator: 'In'; values: string[] };
    };
  };
}

/**
 * Daily cost of one resource group over [from, to] (UTC dates), grouped by service
 * and by resource, limited to one tag when the scope has one.
 */
export function queryDefinition(
  scope: AzureCostScope,
  period: { from: string; to: string },
  costType: AzureCostType,
): QueryDefinition {
  return {
    type: costType,
    timeframe: 'Custom',
    timePeriod: {
      from: `${period.from}T00:00:00Z`,
      to: `${period.to}T23:59:59Z`,
    },
    dataset: {
      granularity: 'Daily',
      aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
      grouping: [
        { type: 'Dimension', name: 'ServiceName' },
        { type: 'Dimension', name: 'ResourceId' },
      ],
      ...(scope.tag
        ? {
            filter: {
              tags: {
                name: scope.tag.key,
                operator: 'In' as const,
                values: [scope.tag.value],
              },
            },
          }
        : {}),
    },
  };
}

/** One row of a query's answer, by name rather than by position. */
export interface CostRow {
  /** `YYYY-MM-DD`. */
  date: string;
  service: string;
  resourceId: string;
  cost: number;
  currency: string;
}

/** `QueryResult.properties` as far as this plugin reads it. */
export interface QueryProperties {
  nextLink?: string | null;
  columns?: { name?: string; type?: string }[];
  rows?: unknown[][];
}

/**
 * Rows of a QueryResult page, located by column name (the API's order is not
 * promised). Throws when a column the plugin needs is missing.
 */
export function rowsOf(properties: QueryProperties): CostRow[] {
  const columns = (properties.columns ?? []).map(c =>
    (c.name ?? '').toLowerCase(),
  );
  const rows = properties.rows ?? [];
  if (rows.length === 0) return [];
  const at = (...names: string[]) => {
    const index = columns.findIndex(c => names.includes(c));
    if (index < 0) {
      throw new Error(
        `the answer has no ${names[0]} column (columns: ${columns.join(', ')})`,
      );
    }
    return index;
  };
  const cost = at('cost', 'pretaxcost', 'totalcost');
  const date = at('usagedate');
  const service = at('servicename');
  const resource = at('resourceid');
  const currency = at('currency');
  return rows.map(row => {
    const day = String(row[date]);
    return {
      date: `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`,
      service: String(row[service] ?? '') || 'Unassigned',
      resourceId: String(row[resource] ?? '') || 'Unassigned',
      cost: Number(row[cost]) || 0,
      currency: String(row[currency] ?? ''),
    };
  });
}
