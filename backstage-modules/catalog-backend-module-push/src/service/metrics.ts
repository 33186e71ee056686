import {
  type Attributes,
  type Counter,
  type Histogram,
  metrics,
} from '@opentelemetry/api';
import type { PushResponse } from '@stagedoor/common';
import type { DiscoveryRunSummary } from '../discovery/DiscoveryService';

/** The instrumentation scope of the module's metrics. */
export const METER_NAME = '@stagedoor/plugin-catalog-backend-module-push';

/**
 * The error names a rejected push reports as `error.type`; any other error counts as
 * `_OTHER` (OpenTelemetry's fallback), so the attribute's values stay a small fixed set.
 */
const KNOWN_ERRORS = new Set([
  'InputError',
  'AuthenticationError',
  'NotAllowedError',
  'NotFoundError',
  'ConflictError',
  'PayloadTooLargeError',
  'UnprocessableEntitiesError',
  'ServiceUnavailableError',
  'TooManyRequestsError',
]);

/** The service hook event types the receiver handles; any other counts as `_OTHER`. */
const HOOK_EVENT_TYPES = new Set([
  'git.push',
  'git.repo.created',
  'git.repo.renamed',
  'git.repo.statuschanged',
  'git.repo.deleted',
]);

/** A bounded `stagedoor.hooks.event_type`. */
export function hookEventTypeOf(eventType: string | undefined): string {
  return eventType && HOOK_EVENT_TYPES.has(eventType) ? eventType : '_OTHER';
}

/** A bounded `error.type` for an error. */
export function errorTypeOf(error: unknown): string {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && KNOWN_ERRORS.has(name) ? name : '_OTHER';
}

/**
 * The module's metrics, recorded through the OpenTelemetry API only: the backend decides
 * whether and where they are exported (`backstage-modules/backend/src/instrumentation.js`
 * in the baseline); without an SDK every call is a no-op. Attributes are small fixed sets
 * (outcome, error type, change kind): never entity refs, source keys or subjects.
 */
export class PushMetrics {
  private readonly pushes: Counter;
  private readonly duration: Histogram;
  private readonly entities: Histogram;
  private readonly changes: Counter;
  private readonly processingErrors: Counter;
  private readonly reconciled: Counter;
  private readonly discoveryRuns: Counter;
  private readonly discoveryDuration: Histogram;
  private readonly discoveryRepositories: Counter;
  private readonly discoveryRequests: Counter;
  private readonly hookDeliveries: Counter;
  private readonly hookDuration: Histogram;

  /** Instruments come from the global meter provider as it is when this runs (module init). */
  constructor() {
    const meter = metrics.getMeter(METER_NAME);
    this.pushes = meter.createCounter('stagedoor.push.requests', {
      description:
        'Pushes received, by outcome (applied, repeated, dry_run, rejected) and error.type for rejections',
      unit: '{push}',
    });
    this.duration = meter.createHistogram('stagedoor.push.duration', {
      description:
        'Time from receiving a push to its entities being applied to the catalog (or its rejection)',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [
          0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
        ],
      },
    });
    this.entities = meter.createHistogram('stagedoor.push.entities', {
      description:
        'Entities a source holds after each applied push (the distribution of entities per source)',
      unit: '{entity}',
      advice: {
        explicitBucketBoundaries: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      },
    });
    this.changes = meter.createCounter('stagedoor.push.entity.changes', {
      description:
        'Entities added, updated and removed by applied pushes (stagedoor.change)',
      unit: '{entity}',
    });
    this.processingErrors = meter.createCounter(
      'stagedoor.push.processing_errors',
      {
        description:
          "Catalog processing results with errors for pushed entities (the catalog's experimental.catalog.errors events)",
        unit: '{entity}',
      },
    );
    this.reconciled = meter.createCounter('stagedoor.push.reconciled', {
      description:
        'Sources whose stored push had not reached the catalog and the reconcile re-applied',
      unit: '{source}',
    });
    this.discoveryRuns = meter.createCounter('stagedoor.discovery.runs', {
      description:
        'Discovery runs, by outcome (success, or partial when a project or repository failed)',
      unit: '{run}',
    });
    this.discoveryDuration = meter.createHistogram(
      'stagedoor.discovery.duration',
      { description: 'Duration of a discovery run', unit: 's' },
    );
    this.discoveryRepositories = meter.createCounter(
      'stagedoor.discovery.repositories',
      {
        description:
          'Repositories seen by discovery runs, by stagedoor.discovery.result (read, unchanged, pushed, removed, marked, failed)',
        unit: '{repository}',
      },
    );
    this.discoveryRequests = meter.createCounter(
      'stagedoor.discovery.requests',
      {
        description: 'Azure DevOps REST requests made by discovery runs',
        unit: '{request}',
      },
    );
    this.hookDeliveries = meter.createCounter('stagedoor.hooks.deliveries', {
      description:
        'Azure DevOps service hook deliveries, by stagedoor.hooks.event_type and stagedoor.hooks.outcome (refresh, ignored, duplicate, unauthenticated, invalid)',
      unit: '{delivery}',
    });
    this.hookDuration = meter.createHistogram('stagedoor.hooks.duration', {
      description:
        'Time from receiving a service hook delivery to its repository re-read and applied to the catalog, by stagedoor.hooks.result',
      unit: 's',
      advice: {
        explicitBucketBoundaries: [
          0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
        ],
      },
    });
  }

  /**
   * One service hook delivery answered: `refresh`, `ignored`, `duplicate` (202), or refused:
   * `unauthenticated` (401), `invalid` (400; event type unknown then).
   */
  hookDelivery(eventType: string | undefined, outcome: string): void {
    this.hookDeliveries.add(1, {
      'stagedoor.hooks.event_type': hookEventTypeOf(eventType),
      'stagedoor.hooks.outcome': outcome,
    });
  }

  /** The re-read a delivery asked for finished (`result`: its outcome, or `failed`). */
  hookProcessed(eventType: string, result: string, receivedAt: number): void {
    this.hookDuration.record(seconds(receivedAt), {
      'stagedoor.hooks.event_type': hookEventTypeOf(eventType),
      'stagedoor.hooks.result': result,
    });
  }

  /** One push answered: applied, repeated (nothing to do) or evaluated as a dry run. */
  pushAccepted(response: PushResponse, startedAt: number): void {
    const outcome = response.dryRun
      ? 'dry_run'
      : response.applied
        ? 'applied'
        : 'repeated';
    const attributes: Attributes = { 'stagedoor.push.outcome': outcome };
    this.pushes.add(1, attributes);
    this.duration.record(seconds(startedAt), attributes);
    if (outcome !== 'applied') return;
    this.entities.record(
      response.added.length +
        response.updated.length +
        response.unchanged.length,
    );
    for (const [change, refs] of [
      ['added', response.added],
      ['updated', response.updated],
      ['removed', response.removed],
    ] as const) {
      if (refs.length > 0)
        this.changes.add(refs.length, { 'stagedoor.change': change });
    }
  }

  /**
   * One push refused (authentication, rate limit, authorization, validation, limits,
   * ordering, ownership) or failed; timed when the push service had started on it.
   */
  pushRejected(error: unknown, startedAt?: number): void {
    const attributes: Attributes = {
      'stagedoor.push.outcome': 'rejected',
      'error.type': errorTypeOf(error),
    };
    this.pushes.add(1, attributes);
    if (startedAt !== undefined)
      this.duration.record(seconds(startedAt), attributes);
  }

  /** The catalog reported processing errors for one pushed entity. */
  processingError(): void {
    this.processingErrors.add(1);
  }

  /** The reconcile re-applied `count` sources. */
  reconciledSources(count: number): void {
    if (count > 0) this.reconciled.add(count);
  }

  /** One discovery run finished (its summary, as logged). */
  discoveryRun(summary: DiscoveryRunSummary): void {
    const failed =
      summary.failedProjects.length + summary.failedRepositories.length;
    this.discoveryRuns.add(1, {
      'stagedoor.discovery.outcome': failed > 0 ? 'partial' : 'success',
    });
    this.discoveryDuration.record(summary.durationMs / 1000);
    for (const [result, count] of [
      ['read', summary.read],
      ['unchanged', summary.unchanged],
      ['pushed', summary.pushed],
      ['removed', summary.removed],
      ['marked', summary.marked],
      ['failed', summary.failedRepositories.length],
    ] as const) {
      if (count > 0)
        this.discoveryRepositories.add(count, {
          'stagedoor.discovery.result': result,
        });
    }
    if (summary.requests > 0) this.discoveryRequests.add(summary.requests);
  }
}

function seconds(startedAt: number): number {
  return (Date.now() - startedAt) / 1000;
}
