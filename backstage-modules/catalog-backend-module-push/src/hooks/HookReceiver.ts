import type {
  AuditorService,
  AuditorServiceEvent,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Request } from 'express';
import { z } from 'zod';
import type { PushStore } from '../database/PushStore';
import type { DiscoveryService } from '../discovery/DiscoveryService';
import type { PushMetrics } from '../service/metrics';

/** The table of accepted event ids (migration 20261206040000_hook_deliveries). */
export const HOOK_DELIVERIES_TABLE = 'stagedoor_hook_deliveries';

/** The envelope every Azure DevOps service hook payload has (only what is read). */
export const hookEventSchema = z.object({
  id: z.string().min(1).max(255),
  eventType: z.string().min(1).max(255),
  resource: z.record(z.unknown()),
});

export type HookEvent = z.infer<typeof hookEventSchema>;

const repositorySchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  project: z
    .object({ name: z.string().min(1) })
    .partial()
    .optional(),
  defaultBranch: z.string().optional(),
  remoteUrl: z.string().optional(),
});

/** What the receiver answers for one accepted delivery. */
export interface HookOutcome {
  eventId: string;
  eventType: string;
  /** `refresh`: the repository is re-read; `ignored`: nothing to do; `duplicate`: seen before. */
  action: 'refresh' | 'ignored' | 'duplicate';
  repositoryId?: string;
  reason?: string;
}

interface Target {
  repositoryId: string;
  project?: string;
  remoteUrl?: string;
}

/** One queued re-read and the deliveries it answers (several when they arrive while it waits). */
interface Queued extends Target {
  deliveries: {
    eventType: string;
    receivedAt: number;
    audit?: AuditorServiceEvent;
  }[];
}

/**
 * Turns Azure DevOps service hook events into per-repository discovery re-reads.
 * Every handled event re-reads the repository's current state from Azure DevOps
 * (never trusts the payload beyond its ids), so created, renamed, re-enabled,
 * disabled and deleted all converge the same way; the work runs after the answer,
 * one repository at a time, and a repository already waiting is not queued twice.
 */
export class HookReceiver {
  private readonly queue: Queued[] = [];
  private readonly queued = new Map<string, Queued>();
  private running = false;

  constructor(
    private readonly options: {
      store: PushStore;
      discovery: DiscoveryService;
      logger: LoggerService;
      /** Records each delivery that re-reads a repository, and what the re-read changed. */
      auditor?: AuditorService;
      metrics?: PushMetrics;
    },
  ) {}

  /** Handles one authenticated delivery; `request` is the delivery's, for the audit record. */
  async accept(event: HookEvent, request?: Request): Promise<HookOutcome> {
    const receivedAt = Date.now();
    const outcome = await this.decide(event, receivedAt, request);
    this.options.metrics?.hookDelivery(event.eventType, outcome.action);
    return outcome;
  }

  private async decide(
    event: HookEvent,
    receivedAt: number,
    request?: Request,
  ): Promise<HookOutcome> {
    const base = { eventId: event.id, eventType: event.eventType };
    const target = this.targetOf(event);
    if ('ignored' in target) {
      this.options.logger.info(
        `service hook ${event.eventType} (${event.id}) ignored: ${target.ignored}`,
      );
      return { ...base, action: 'ignored', reason: target.ignored };
    }
    if (!(await this.firstDelivery(event))) {
      return {
        ...base,
        action: 'duplicate',
        repositoryId: target.repositoryId,
      };
    }
    let audit: AuditorServiceEvent | undefined;
    try {
      audit = await this.options.auditor?.createEvent({
        eventId: 'hook-delivery',
        severityLevel: 'medium',
        request,
        meta: {
          hookEventId: event.id,
          eventType: event.eventType,
          repositoryId: target.repositoryId,
        },
      });
    } catch (e) {
      this.options.logger.warn(
        `service hook ${event.eventType} (${event.id}): audit record failed: ${(e as Error).message}`,
      );
    }
    this.enqueue(target, { eventType: event.eventType, receivedAt, audit });
    return { ...base, action: 'refresh', repositoryId: target.repositoryId };
  }

  private targetOf(event: HookEvent): Target | { ignored: string } {
    const { resource } = event;
    switch (event.eventType) {
      case 'git.push': {
        const repo = repositorySchema.safeParse(resource.repository);
        if (!repo.success) return { ignored: 'no resource.repository.id' };
        const refs = z
          .array(z.object({ name: z.string() }).passthrough())
          .safeParse(resource.refUpdates);
        const branch = repo.data.defaultBranch;
        if (
          !branch ||
          !refs.success ||
          !refs.data.some(r => r.name.toLowerCase() === branch.toLowerCase())
        )
          return { ignored: 'the push did not update the default branch' };
        return this.target(repo.data);
      }
      case 'git.repo.created':
      case 'git.repo.renamed':
      case 'git.repo.statuschanged': {
        const repo = repositorySchema.safeParse(resource.repository);
        if (!repo.success) return { ignored: 'no resource.repository.id' };
        return this.target(repo.data);
      }
      case 'git.repo.deleted': {
        const id = z.string().min(1).safeParse(resource.repositoryId);
        if (!id.success) return { ignored: 'no resource.repositoryId' };
        const project = z
          .object({ name: z.string().min(1) })
          .safeParse(resource.project);
        return {
          repositoryId: id.data,
          project: project.success ? project.data.name : undefined,
        };
      }
      default:
        return { ignored: 'not an event type the receiver handles' };
    }
  }

  private target(repo: z.infer<typeof repositorySchema>): Target {
    return {
      repositoryId: repo.id,
      project: repo.project?.name,
      remoteUrl: repo.remoteUrl,
    };
  }

  /** Records the event id; false when it was recorded before (a redelivery). */
  private async firstDelivery(event: HookEvent): Promise<boolean> {
    const { knex } = this.options.store;
    try {
      await knex(HOOK_DELIVERIES_TABLE).insert({
        event_id: event.id,
        event_type: event.eventType,
        received_at: new Date(),
      });
      return true;
    } catch (e) {
      const seen = await knex(HOOK_DELIVERIES_TABLE)
        .where({ event_id: event.id })
        .first();
      if (seen) return false;
      throw e;
    }
  }

  private enqueue(target: Target, delivery: Queued['deliveries'][0]): void {
    const key = target.repositoryId.toLowerCase();
    const waiting = this.queued.get(key);
    if (waiting) {
      // Not started yet: that re-read will see this change too.
      waiting.deliveries.push(delivery);
      return;
    }
    const entry: Queued = { ...target, deliveries: [delivery] };
    this.queued.set(key, entry);
    this.queue.push(entry);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let t = this.queue.shift(); t; t = this.queue.shift()) {
        this.queued.delete(t.repositoryId.toLowerCase());
        await this.refresh(t);
      }
    } finally {
      this.running = false;
    }
  }

  private async refresh(t: Queued): Promise<void> {
    const { logger, metrics } = this.options;
    const settle = async (
      result: string,
      audit: (e: AuditorServiceEvent) => Promise<void>,
    ) => {
      for (const d of t.deliveries) {
        metrics?.hookProcessed(d.eventType, result, d.receivedAt);
        if (d.audit)
          await audit(d.audit).catch(e =>
            logger.warn(`service hook audit record failed: ${e}`),
          );
      }
    };
    try {
      const { outcome, sourceKey, changes } =
        await this.options.discovery.refreshRepository(t);
      const counts = {
        added: changes?.added.length ?? 0,
        updated: changes?.updated.length ?? 0,
        removed: changes?.removed.length ?? 0,
      };
      logger.info(
        `service hook: repository ${t.repositoryId} ${outcome}${sourceKey ? ` (${sourceKey}: ${counts.added} added, ${counts.updated} updated, ${counts.removed} removed)` : ''}`,
        { event: 'stagedoor.hooks.refreshed', outcome, sourceKey, ...counts },
      );
      await settle(outcome, e =>
        e.success({ meta: { outcome, sourceKey, ...counts } }),
      );
    } catch (error) {
      logger.warn(
        `service hook: could not re-read repository ${t.repositoryId} (the next discovery run will): ${(error as Error).message}`,
      );
      await settle('failed', e =>
        e.fail({
          error: {
            name: (error as Error).name ?? 'Error',
            message: (error as Error).message ?? String(error),
          } as Error,
        }),
      );
    }
  }

  /** Deletes the event ids accepted before `before`; how many. */
  async prune(before: Date): Promise<number> {
    return this.options.store
      .knex(HOOK_DELIVERIES_TABLE)
      .where('received_at', '<', before)
      .delete();
  }
}
