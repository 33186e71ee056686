import { type Counter, type Histogram, metrics } from '@opentelemetry/api';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';

/** The instrumentation scope of the module's metrics. */
export const METER_NAME =
  '@stagedoor/plugin-scaffolder-backend-module-azure-devops';

/**
 * The error names an action's failure reports as `error.type` (what `lib/errors.ts` maps
 * Azure DevOps answers to); anything else counts as `_OTHER`, so the attribute stays a
 * small fixed set.
 */
const KNOWN_ERRORS = new Set([
  'InputError',
  'AuthenticationError',
  'NotAllowedError',
  'NotFoundError',
  'ConflictError',
]);

function errorTypeOf(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && KNOWN_ERRORS.has(name) ? name : '_OTHER';
}

/**
 * Counts and times the runs of scaffolder actions through the OpenTelemetry API (the
 * backend decides whether and where they are exported; without an SDK these are no-ops).
 * Attributes: the action id, the outcome, dry run, and `error.type` on failure; never
 * inputs (organization, project or pipeline names) or secrets.
 */
export class ActionMetrics {
  private readonly runs: Counter;
  private readonly duration: Histogram;

  /** Instruments come from the global meter provider as it is when this runs (module init). */
  constructor() {
    const meter = metrics.getMeter(METER_NAME);
    this.runs = meter.createCounter('stagedoor.scaffolder.action.runs', {
      description:
        'Runs of the Stagedoor scaffolder actions, by action id and outcome (success, failure)',
      unit: '{run}',
    });
    this.duration = meter.createHistogram(
      'stagedoor.scaffolder.action.duration',
      { description: 'Duration of a scaffolder action run', unit: 's' },
    );
  }

  /** The action with its handler counted and timed; everything else unchanged. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  instrument<A extends TemplateAction<any, any, any>>(action: A): A {
    const handler = action.handler;
    return {
      ...action,
      handler: async ctx => {
        const started = Date.now();
        const attributes = {
          'stagedoor.scaffolder.action.id': action.id,
          'stagedoor.scaffolder.dry_run': Boolean(ctx.isDryRun),
        };
        try {
          await handler(ctx);
        } catch (error) {
          const failed = {
            ...attributes,
            'stagedoor.scaffolder.action.outcome': 'failure',
            'error.type': errorTypeOf(error),
          };
          this.runs.add(1, failed);
          this.duration.record((Date.now() - started) / 1000, failed);
          throw error;
        }
        const succeeded = {
          ...attributes,
          'stagedoor.scaffolder.action.outcome': 'success',
        };
        this.runs.add(1, succeeded);
        this.duration.record((Date.now() - started) / 1000, succeeded);
      },
    };
  }
}
