import { useState } from 'react';
import Grid from '@material-ui/core/Grid';
import MenuItem from '@material-ui/core/MenuItem';
import Select from '@material-ui/core/Select';
import { InfoCard, Table } from '@backstage/core-components';
import { CostState, CostView, money } from './CostView';
import { useEntityCost } from './useEntityCost';

/** The Azure Costs tab: a chosen period, the charts, the resources (or a Group's components). */
export function AzureCostContent() {
  const [days, setDays] = useState(30);
  const { loading, value, error } = useEntityCost(days);
  const currency = value?.currency;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard
          title={`Azure Costs (Last ${days} Days)`}
          action={
            <Select
              value={days}
              onChange={e => setDays(Number(e.target.value))}
              aria-label="Period"
            >
              {[7, 30, 90].map(d => (
                <MenuItem key={d} value={d}>
                  Last {d} days
                </MenuItem>
              ))}
            </Select>
          }
        >
          <CostState loading={loading} error={error} />
          {value && !loading && !error && (
            <CostView report={value} height={260} services={12} />
          )}
        </InfoCard>
      </Grid>
      {value && !loading && !error && (
        <Grid item xs={12}>
          {value.components ? (
            <Table
              title="Components"
              options={{ paging: false, search: false }}
              columns={[
                { title: 'Component', field: 'entityRef' },
                {
                  title: 'Cost',
                  field: 'total',
                  render: row => money(row.total, currency),
                },
              ]}
              data={value.components}
            />
          ) : (
            <Table
              title="Largest resources"
              options={{ paging: false, search: false }}
              columns={[
                { title: 'Resource', field: 'resourceId' },
                {
                  title: 'Cost',
                  field: 'cost',
                  render: row => money(row.cost, currency),
                },
              ]}
              data={value.byResource}
            />
          )}
        </Grid>
      )}
    </Grid>
  );
}
