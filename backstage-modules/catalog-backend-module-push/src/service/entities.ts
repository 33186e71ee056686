import { createHash } from 'node:crypto';
import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_EDIT_URL,
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  ANNOTATION_SOURCE_LOCATION,
  ANNOTATION_VIEW_URL,
} from '@backstage/catalog-model';
import type { Problem, PushSource, ValidatedEntity } from '@stagedoor/common';
import { repositoryFileUrl } from '@stagedoor/common';
import { posix } from 'node:path';

/** Stagedoor's provenance annotations on every pushed entity. */
export const ANNOTATION_STAGEDOOR_SOURCE = 'stagedoor.io/source-key';
export const ANNOTATION_STAGEDOOR_COMMIT = 'stagedoor.io/commit';
export const ANNOTATION_STAGEDOOR_BUILD_ID = 'stagedoor.io/build-id';
export const ANNOTATION_STAGEDOOR_BUILD_URL = 'stagedoor.io/build-url';
const ANNOTATION_AZURE_PROJECT_REPO = 'dev.azure.com/project-repo';

/** An entity ready for the catalog, keyed the way the catalog keys entities read from a URL. */
export interface DesiredEntity {
  ref: string;
  /** `url:<file URL>`: the locationKey the catalog gives entities it reads from that URL. */
  locationKey: string;
  /** The entity with location and provenance annotations. */
  entity: Entity;
  /** Hash of the entity without provenance, to tell changed from unchanged. */
  contentHash: string;
}

/** The URL of a pushed file as the upstream Azure DevOps provider spells it (default branch, no `version`). */
export function fileUrlOf(source: PushSource, path: string): string {
  return repositoryFileUrl({
    organizationUrl: source.organizationUrl,
    project: source.project,
    repositoryName: source.repositoryName,
    path,
  });
}

function isAbsoluteUrl(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * Turns validated entities into what the catalog gets: location annotations as the
 * catalog would set them had it read the file itself, provenance, and locationKey.
 * Location entities whose targets are relative paths are resolved from the pushed
 * files (their entities are in the push already) and not emitted; absolute targets
 * pass through as an ordinary Location entity.
 */
export function toDesiredEntities(
  source: PushSource,
  validated: ValidatedEntity[],
  pushedPaths: Set<string>,
): { entities: DesiredEntity[]; problems: Problem[] } {
  const problems: Problem[] = [];
  // Files reached through a pushed Location keep that Location's file as origin, as the catalog does.
  const originOf = new Map<string, string>();
  const kept: ValidatedEntity[] = [];
  for (const v of validated) {
    if (v.entity.kind.toLowerCase() !== 'location') {
      kept.push(v);
      continue;
    }
    const spec = (v.entity.spec ?? {}) as {
      target?: string;
      targets?: string[];
    };
    const targets = [
      ...(spec.target ? [spec.target] : []),
      ...(spec.targets ?? []),
    ];
    const absolute = targets.filter(isAbsoluteUrl);
    for (const target of targets.filter(t => !isAbsoluteUrl(t))) {
      const resolved = posix
        .normalize(posix.join(posix.dirname(`/${v.file}`), target))
        .slice(1);
      if (!pushedPaths.has(resolved)) {
        problems.push({
          file: v.file,
          line: v.line,
          column: v.column,
          severity: 'error',
          rule: 'push/location-target-missing',
          message: `Location target ${target} (${resolved}) is not among the pushed files; push it too or use an absolute URL`,
          entityRef: v.ref,
        });
      } else if (!originOf.has(resolved)) {
        originOf.set(resolved, originOf.get(v.file) ?? v.file);
      }
    }
    if (absolute.length > 0) {
      const { target: _t, targets: _ts, ...rest } = spec;
      kept.push({
        ...v,
        entity: { ...v.entity, spec: { ...rest, targets: absolute } },
      });
    }
  }
  const entities = kept.map(v =>
    annotate(source, v, originOf.get(v.file) ?? v.file),
  );
  return { entities, problems };
}

function annotate(
  source: PushSource,
  v: ValidatedEntity,
  originPath: string,
): DesiredEntity {
  const fileUrl = fileUrlOf(source, v.file);
  const dirUrl = fileUrlOf(
    source,
    `${posix.dirname(`/${v.file}`)}/`.replace(/\/+$/, '/'),
  );
  const own = v.entity.metadata.annotations ?? {};
  const content: Entity = {
    ...v.entity,
    metadata: {
      ...v.entity.metadata,
      annotations: {
        // What the catalog's AnnotateLocationEntityProcessor and the Azure SCM slug processor add,
        // unless the file sets them itself.
        [ANNOTATION_SOURCE_LOCATION]: `url:${dirUrl}`,
        [ANNOTATION_VIEW_URL]: fileUrl,
        [ANNOTATION_EDIT_URL]: fileUrl,
        [ANNOTATION_AZURE_PROJECT_REPO]: `${source.project}/${source.repositoryName}`,
        ...own,
        [ANNOTATION_LOCATION]: `url:${fileUrl}`,
        [ANNOTATION_ORIGIN_LOCATION]: `url:${fileUrlOf(source, originPath)}`,
      },
    },
  };
  return {
    ref: v.ref,
    locationKey: `url:${fileUrl}`,
    entity: content,
    contentHash: hashOf(content),
  };
}

/** Adds the provenance of the push that last changed the entity. */
export function withProvenance(
  entity: Entity,
  sourceKey: string,
  source: PushSource,
): Entity {
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
      annotations: {
        ...entity.metadata.annotations,
        [ANNOTATION_STAGEDOOR_SOURCE]: sourceKey,
        [ANNOTATION_STAGEDOOR_COMMIT]: source.commit,
        ...(source.buildId !== undefined
          ? { [ANNOTATION_STAGEDOOR_BUILD_ID]: String(source.buildId) }
          : {}),
        ...(source.buildUrl
          ? { [ANNOTATION_STAGEDOOR_BUILD_URL]: source.buildUrl }
          : {}),
      },
    },
  };
}
