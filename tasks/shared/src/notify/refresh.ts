import { createHash } from 'node:crypto';
import { repositoryFileUrl, type ValidatedEntity } from '@stagedoor/common';
import type { Reporter } from '../reporter';
import type { BackstageApi } from './api';
import type { NotifyOptions } from './options';
import { PhaseError, type PhaseOutcome } from './result';
import { judgeProcessing } from './processing';
import { waitForEntities } from './wait';

/**
 * The Location entity the catalog generates for a `url` location
 * (`locationSpecToLocationEntity` in @backstage/plugin-catalog-node).
 */
export function locationEntityRef(target: string): string {
  return `location:default/generated-${createHash('sha1').update(`url:${target}`).digest('hex')}`;
}

/**
 * Refresh mode: asks the catalog to re-read the repository's entities now, for catalogs
 * fed by the pull-based Azure DevOps provider. The catalog's refresh also refreshes an
 * entity's Location ancestors; files whose entities the catalog does not know yet are
 * refreshed through the Location registered for the file.
 */
export async function refreshEntities(
  api: BackstageApi,
  options: NotifyOptions,
  entities: ValidatedEntity[],
  deadline: number,
  reporter: Reporter,
): Promise<PhaseOutcome> {
  const byFile = new Map<string, ValidatedEntity[]>();
  for (const e of entities)
    byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const targets: string[] = [];
  const unknownFiles: string[] = [];
  for (const [file, list] of byFile) {
    const known: string[] = [];
    for (const e of list) if (await api.entity(e.ref)) known.push(e.ref);
    targets.push(...known);
    if (known.length === list.length) continue;
    // New entities in this file: refresh the file's Location so the catalog reads it again.
    const s = options.source;
    // Without the repository's coordinates (a CLI run outside a pipeline) the Location's
    // URL cannot be known.
    const candidates =
      s.organizationUrl && s.project && s.repositoryName
        ? [undefined, s.branch || undefined]
            .map(branch =>
              repositoryFileUrl({
                organizationUrl: s.organizationUrl,
                project: s.project,
                repositoryName: s.repositoryName,
                path: file,
                branch,
              }),
            )
            .map(locationEntityRef)
        : [];
    let location: string | undefined;
    for (const candidate of candidates)
      if (!location && (await api.entity(candidate))) location = candidate;
    if (location) targets.push(location);
    else if (known.length === 0) unknownFiles.push(file);
  }
  for (const file of unknownFiles) {
    reporter.warn(
      `${file}: neither its entities nor a Location for it are in the catalog, so there is nothing to refresh; ` +
        'register the file (or let the Azure DevOps provider discover it), or use push mode.',
    );
  }
  if (options.dryRun) {
    const message = `Dry run: would refresh ${targets.length} entit${targets.length === 1 ? 'y' : 'ies'}; nothing was changed.`;
    reporter.info(message);
    return { refreshed: targets, status: 'succeeded', message };
  }
  const refreshed: string[] = [];
  try {
    for (const ref of targets) {
      await api.refresh(ref);
      refreshed.push(ref);
      reporter.info(`Refresh requested: ${ref}`);
    }
    const done = `Refreshed ${targets.length} entit${targets.length === 1 ? 'y' : 'ies'}`;
    if (!options.waitForProcessing) {
      return {
        refreshed,
        status: unknownFiles.length ? 'warnings' : 'succeeded',
        message: `${done}.`,
      };
    }
    const { states, timedOut } = await waitForEntities(
      api,
      entities.map(e => e.ref),
      deadline,
      reporter,
      options.http?.pollIntervalMs,
    );
    const judged = judgeProcessing(options, states, timedOut, done, reporter);
    return {
      refreshed,
      ...judged,
      status:
        judged.status === 'succeeded' && unknownFiles.length
          ? 'warnings'
          : judged.status,
    };
  } catch (error) {
    // The refreshes already requested stay in the failed result.
    throw new PhaseError(error, { refreshed: [...refreshed] });
  }
}
