import type { EntityState } from '@stagedoor/common';
import type { Reporter } from '../reporter';
import { sleep } from '../http';
import type { BackstageApi } from './api';

/**
 * Polls the push API's source status until every entity pushed at `commit` is
 * processed or failed, or the deadline passes. Returns the last states seen
 * (entities still `pending` at the deadline stay pending).
 */
export async function waitForPush(
  api: BackstageApi,
  sourceKey: string,
  commit: string,
  deadline: number,
  reporter: Reporter,
  pollIntervalMs = 2_000,
): Promise<{ states: EntityState[]; timedOut: boolean }> {
  let states: EntityState[] = [];
  let interval = pollIntervalMs;
  for (;;) {
    const status = await api.sourceStatus(sourceKey);
    if (status && status.commit === commit) {
      states = status.entities;
      const pending = states.filter(s => s.state === 'pending');
      if (pending.length === 0) return { states, timedOut: false };
      reporter.debug(
        `Waiting for ${pending.length} of ${states.length} entities: ${pending.map(s => s.entityRef).join(', ')}`,
      );
    } else if (status) {
      // Another push (a newer commit) took over the source: what we sent is no longer the point.
      reporter.warn(
        `The source ${sourceKey} now holds commit ${status.commit}; stopped waiting for ${commit}.`,
      );
      return { states: status.entities, timedOut: false };
    }
    if (Date.now() + interval > deadline) return { states, timedOut: true };
    await sleep(interval);
    // Catalog processing takes a few seconds to a few minutes; back off gently.
    interval = Math.min(interval * 1.5, 10_000);
  }
}

/**
 * Refresh mode has no status route: waits until each entity exists in the catalog and
 * returns its processing errors (`status.items` of level error).
 */
export async function waitForEntities(
  api: BackstageApi,
  refs: string[],
  deadline: number,
  reporter: Reporter,
  pollIntervalMs = 2_000,
): Promise<{ states: EntityState[]; timedOut: boolean }> {
  const states = new Map<string, EntityState>(
    refs.map(ref => [ref, { entityRef: ref, state: 'pending', errors: [] }]),
  );
  let interval = pollIntervalMs;
  for (;;) {
    for (const state of states.values()) {
      if (state.state !== 'pending') continue;
      const entity = (await api.entity(state.entityRef)) as
        | {
            status?: {
              items?: {
                level?: string;
                type?: string;
                error?: { name?: string; message?: string };
              }[];
            };
          }
        | undefined;
      if (!entity) continue;
      const errors = (entity.status?.items ?? [])
        .filter(i => i.level === 'error')
        .map(i => ({
          name: i.error?.name ?? i.type ?? 'Error',
          message: i.error?.message ?? 'processing failed',
        }));
      states.set(state.entityRef, {
        entityRef: state.entityRef,
        state: errors.length ? 'failed' : 'processed',
        errors,
      });
    }
    const pending = [...states.values()].filter(s => s.state === 'pending');
    if (pending.length === 0)
      return { states: [...states.values()], timedOut: false };
    reporter.debug(
      `Waiting for ${pending.map(s => s.entityRef).join(', ')} to appear in the catalog`,
    );
    if (Date.now() + interval > deadline)
      return { states: [...states.values()], timedOut: true };
    await sleep(interval);
    interval = Math.min(interval * 1.5, 10_000);
  }
}
