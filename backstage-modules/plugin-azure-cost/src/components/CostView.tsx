import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import {
  Progress,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { ResponseError } from '@backstage/errors';
import type { AzureCostReport } from '@stagedoor/plugin-azure-cost-common';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

/** Formats an amount in the report's currency (plain number when there is none). */
export function money(amount: number, currency?: string) {
  return currency
    ? new Intl.NumberFormat(undefined, {
        style: 'currency',
        currency,
        maximumFractionDigits: 2,
      }).format(amount)
    : amount.toFixed(2);
}

/** Loading, no permission, "Azure said …", other errors. */
export function CostState(props: { loading: boolean; error?: Error }) {
  const { loading, error } = props;
  if (loading) return <Progress />;
  if (!error) return null;
  if (error instanceof ResponseError) {
    if (error.statusCode === 403) {
      return (
        <WarningPanel
          defaultExpanded
          severity="info"
          title="No permission"
          message="You may not read this entity in the catalog, so its Azure cost is not shown."
        />
      );
    }
    if (error.body.error.name === 'AzureCostError') {
      return (
        <WarningPanel
          defaultExpanded
          severity="error"
          title="Azure said …"
          message={error.body.error.message}
        />
      );
    }
    if (error.statusCode === 400) {
      return (
        <WarningPanel
          defaultExpanded
          severity="warning"
          title="Check the annotations"
          message={error.body.error.message}
        />
      );
    }
  }
  return <ResponseErrorPanel error={error} />;
}

/** Total, breakdown by service (bar chart) and daily trend (area chart). */
export function CostView(props: {
  report: AzureCostReport;
  height?: number;
  services?: number;
}) {
  const { report, height = 160, services = 6 } = props;
  const { currency } = report;
  const top = report.byService.slice(0, services);
  return (
    <Box>
      <Box display="flex" alignItems="baseline" flexWrap="wrap">
        <Typography variant="h4" component="p" data-testid="azure-cost-total">
          {money(report.total, currency)}
        </Typography>
        <Box ml={1}>
          <Typography variant="body2" color="textSecondary">
            {report.period.from} – {report.period.to} ·{' '}
            {report.costType === 'AmortizedCost' ? 'amortized' : 'actual'} cost
          </Typography>
        </Box>
        {report.source === 'sample' && (
          <Box ml={1}>
            <Chip size="small" color="secondary" label="sample data" />
          </Box>
        )}
      </Box>
      <Typography variant="subtitle2" style={{ marginTop: 16 }}>
        By service
      </Typography>
      <div data-testid="azure-cost-by-service">
        <ResponsiveContainer
          width="100%"
          height={Math.max(80, top.length * 28)}
        >
          <BarChart
            data={top}
            layout="vertical"
            margin={{ left: 16, right: 16 }}
          >
            <XAxis type="number" hide />
            <YAxis type="category" dataKey="service" width={180} />
            <Tooltip formatter={(v: number) => money(v, currency)} />
            <Bar dataKey="cost" fill="#1f77b4" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <Typography variant="subtitle2" style={{ marginTop: 16 }}>
        Per day
      </Typography>
      <div data-testid="azure-cost-daily">
        <ResponsiveContainer width="100%" height={height}>
          <AreaChart data={report.daily} margin={{ left: 16, right: 16 }}>
            <XAxis dataKey="date" minTickGap={24} />
            <YAxis width={60} />
            <Tooltip formatter={(v: number) => money(v, currency)} />
            <Area
              dataKey="cost"
              stroke="#1f77b4"
              fill="#1f77b4"
              fillOpacity={0.2}
              isAnimationActive={false}
            />
          </AreaChart>
        </ResponsiveContainer>
      </div>
    </Box>
  );
}
