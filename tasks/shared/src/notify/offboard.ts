import { sourceKeyOf } from '@stagedoor/common';
import type { HttpError } from '../http';
import type { Reporter } from '../reporter';
import type { BackstageApi } from './api';
import type { NotifyOptions } from './options';
import type { PhaseOutcome } from './result';

/**
 * Push mode without catalog files: the repository left the catalog, so the entities its
 * source still has are removed (`DELETE …/sources/:sourceKey`), or, on a dry run, listed.
 * A source that has none (never pushed, or removed already) leaves the run as `no-files`.
 */
export async function removeSource(
  api: BackstageApi,
  options: NotifyOptions,
  noFiles: string,
  reporter: Reporter,
): Promise<PhaseOutcome> {
  const sourceKey = sourceKeyOf(options.source);
  let response;
  try {
    response = await api.deleteSource(sourceKey, options.dryRun);
  } catch (error) {
    // A principal no rule lets push this repository cannot have entities from it to remove.
    if ((error as HttpError).status === 403) {
      const message = `${noFiles} This principal may not push ${sourceKey}, so nothing was removed.`;
      reporter.info(message);
      return { status: 'no-files', sourceKey, message };
    }
    throw error;
  }
  if (!response) {
    const message = `${noFiles} Nothing to remove: ${sourceKey} has no entities in the catalog.`;
    reporter.info(message);
    return { status: 'no-files', sourceKey, message };
  }
  const refs = response.removed;
  const message = options.dryRun
    ? `Dry run: ${noFiles} ${refs.length} entities of ${sourceKey} would be removed: ${refs.join(', ')}; nothing was changed.`
    : `${noFiles} Removed ${refs.length} entities of ${sourceKey} from the catalog: ${refs.join(', ')}.`;
  reporter.info(message);
  return {
    status: 'succeeded',
    sourceKey,
    removed: refs,
    message,
  };
}
