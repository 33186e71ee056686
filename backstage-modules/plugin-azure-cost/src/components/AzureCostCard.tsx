import Typography from '@material-ui/core/Typography';
import { InfoCard } from '@backstage/core-components';
import { CostState, CostView, money } from './CostView';
import { useEntityCost } from './useEntityCost';

/** "Azure Costs (Last 30 Days)": total, by service, per day; for a Group, its components too. */
export function AzureCostCard() {
  const { loading, value, error } = useEntityCost(30);
  return (
    <InfoCard title="Azure Costs (Last 30 Days)">
      <CostState loading={loading && !value} error={error} />
      {value && !error && (
        <>
          <CostView report={value} />
          {value.components && (
            <Typography variant="body2" color="textSecondary">
              {value.components.length === 0
                ? 'None of the components this group owns has the azure.com/resource-group annotation.'
                : `Sum over ${value.components.length} component${
                    value.components.length === 1 ? '' : 's'
                  }: ${value.components
                    .slice(0, 5)
                    .map(
                      c =>
                        `${c.entityRef.split('/').pop()} ${money(c.total, value.currency)}`,
                    )
                    .join(', ')}${value.components.length > 5 ? ', …' : ''}`}
            </Typography>
          )}
        </>
      )}
    </InfoCard>
  );
}
