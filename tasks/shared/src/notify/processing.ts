import type { EntityState } from '@stagedoor/common';
import type { Reporter } from '../reporter';
import type { NotifyOptions } from './options';
import type { NotifyResult } from './result';

/** Turns the processing states into the run's verdict, per failOnProcessingErrors. */
export function judgeProcessing(
  options: NotifyOptions,
  result: NotifyResult,
  states: EntityState[],
  timedOut: boolean,
  done: string,
  reporter: Reporter,
): NotifyResult {
  result.processing = states;
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
    result.status = 'succeeded';
    result.message = `${done}; all ${states.length} entities processed.`;
    reporter.info(result.message);
    return result;
  }
  const parts = [
    failed.length ? `${failed.length} with processing errors` : '',
    timedOut && pending.length ? `${pending.length} not processed in time` : '',
  ].filter(Boolean);
  result.message = `${done}; ${parts.join(', ')}.`;
  if (options.failOnProcessingErrors) {
    result.status = 'failed';
    result.error = {
      kind: failed.length ? 'processing' : 'timeout',
      message: result.message,
    };
  } else {
    result.status = 'warnings';
  }
  return result;
}
