import type { EntityState } from '@stagedoor/common';
import type { Reporter } from '../reporter';
import type { NotifyOptions } from './options';
import type { NotifyResult } from './result';

/** The run's verdict after waiting for the catalog. */
export type ProcessingVerdict = Pick<
  NotifyResult,
  'status' | 'message' | 'processing' | 'error'
>;

/** Turns the processing states into the run's verdict, per failOnProcessingErrors. */
export function judgeProcessing(
  options: NotifyOptions,
  states: EntityState[],
  timedOut: boolean,
  done: string,
  reporter: Reporter,
): ProcessingVerdict {
  const say = (message: string) =>
    options.failOnProcessingErrors
      ? reporter.error(message)
      : reporter.warn(message);
  const failed = states.filter(s => s.state === 'failed');
  const pending = states.filter(s => s.state === 'pending');
  for (const state of failed) {
    for (const error of state.errors)
      say(
        `${state.entityRef}: the catalog reported ${error.name}: ${error.message}`,
      );
  }
  if (timedOut && pending.length > 0) {
    say(
      `${pending.length} entit${pending.length === 1 ? 'y was' : 'ies were'} not processed within ${options.timeoutSeconds} s: ` +
        `${pending.map(s => s.entityRef).join(', ')}. Raise timeoutSeconds, or look for processing errors in the catalog's logs` +
        // In push mode the status route reports a new entity's processing errors; in refresh
        // mode the catalog's API shows nothing of an entity it could not process even once.
        (options.mode === 'refresh'
          ? ': a new entity that fails processing does not appear in the catalog at all.'
          : '.'),
    );
  }
  if (failed.length === 0 && !(timedOut && pending.length > 0)) {
    const message = `${done}; all ${states.length} entities processed.`;
    reporter.info(message);
    return { status: 'succeeded', message, processing: states };
  }
  const parts = [
    failed.length ? `${failed.length} with processing errors` : '',
    timedOut && pending.length ? `${pending.length} not processed in time` : '',
  ].filter(Boolean);
  const message = `${done}; ${parts.join(', ')}.`;
  if (!options.failOnProcessingErrors)
    return { status: 'warnings', message, processing: states };
  return {
    status: 'failed',
    message,
    processing: states,
    error: { kind: failed.length ? 'processing' : 'timeout', message },
  };
}
