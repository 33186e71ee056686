import { createHash } from 'node:crypto';
import type { CostRow } from '../azure/queryDefinition';
import type { CostSource } from '../azure/CostManagementClient';
import type { AzureCostScope, AzureCostType } from '../types';

const SERVICES = [
  'Azure App Service',
  'Azure Database for PostgreSQL',
  'Storage',
  'Azure Monitor',
  'Bandwidth',
];

/**
 * Generated figures for development (`stagedoor.azureCost.source: sample`): stable
 * for a resource group and a day, so a page shows the same numbers on every reload.
 * Every answer built from them says `source: 'sample'`.
 */
export class SampleCostSource implements CostSource {
  readonly kind = 'sample' as const;

  constructor(private readonly currency: string) {}

  async query(
    scope: AzureCostScope,
    period: { from: string; to: string },
    costType: AzureCostType,
  ): Promise<CostRow[]> {
    const rows: CostRow[] = [];
    const rg = scope.resourceGroup.toLowerCase();
    const base = `/subscriptions/${scope.subscriptionId}/resourcegroups/${rg}/providers`;
    for (
      let day = new Date(`${period.from}T00:00:00Z`);
      day <= new Date(`${period.to}T00:00:00Z`);
      day = new Date(day.getTime() + 86_400_000)
    ) {
      const date = day.toISOString().slice(0, 10);
      SERVICES.forEach((service, index) => {
        const seed = createHash('sha256')
          .update(
            `${rg}|${scope.tag?.value ?? ''}|${service}|${date}|${costType}`,
          )
          .digest()
          .readUInt32BE(0);
        const scale = [9, 5, 1.5, 0.8, 0.3][index];
        rows.push({
          date,
          service,
          resourceId: `${base}/sample.${service.replace(/\W+/g, '').toLowerCase()}/${rg}`,
          cost: Math.round(scale * (0.6 + (seed % 800) / 1000) * 100) / 100,
          currency: this.currency,
        });
      });
    }
    return rows;
  }
}
