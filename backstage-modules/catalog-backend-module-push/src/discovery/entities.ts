import { createHash } from 'node:crypto';
import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  ANNOTATION_SOURCE_LOCATION,
  ANNOTATION_VIEW_URL,
  stringifyEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import {
  hasErrors,
  normalizeOrganizationUrl,
  organizationName,
  type Problem,
  type PushSource,
  validateCatalogFiles,
} from '@stagedoor/common';
import { type DesiredEntity, toDesiredEntities } from '../service/entities';
import { fillTemplate, type PlaceholderTemplates } from './config';

/** Marks a Component discovery made for a repository without a catalog file. */
export const ANNOTATION_STAGEDOOR_PLACEHOLDER = 'stagedoor.io/placeholder';
/** On a placeholder: the problems of the repository's catalog files, in one line each. */
export const ANNOTATION_STAGEDOOR_DISCOVERY_PROBLEMS =
  'stagedoor.io/discovery-problems';

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** An entity name from free text: `[A-Za-z0-9._-]`, at most 63, alphanumeric at both ends. */
export function toEntityName(text: string): string {
  const name = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return name || 'repository';
}

/** The repository's web URL: `{org}/{project}/_git/{repo}`. */
export function repositoryWebUrl(source: PushSource): string {
  return `${normalizeOrganizationUrl(source.organizationUrl)}/${encodeURIComponent(
    source.project,
  )}/_git/${encodeURIComponent(source.repositoryName)}`;
}

/** One line per problem, for the placeholder annotation. */
export function summarizeProblems(problems: Problem[]): string {
  const text = problems
    .filter(p => p.severity === 'error')
    .map(p => `${p.file}:${p.line}:${p.column} ${p.message}`)
    .join('\n');
  return text.length > 2000 ? `${text.slice(0, 1997)}...` : text;
}

/**
 * The placeholder Component of a repository without (valid) catalog files: the
 * seed's phase 1, "import repositories as unowned components".
 */
export function placeholderEntity(
  source: PushSource,
  templates: PlaceholderTemplates,
  problems: Problem[] = [],
): DesiredEntity {
  const vars = {
    organization: organizationName(source.organizationUrl),
    project: source.project,
    repository: source.repositoryName,
  };
  const web = repositoryWebUrl(source);
  const entity: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: toEntityName(fillTemplate(templates.name, vars)),
      namespace: toEntityName(fillTemplate(templates.namespace, vars)),
      title: fillTemplate(templates.title, vars),
      annotations: {
        'dev.azure.com/project-repo': `${source.project}/${source.repositoryName}`,
        [ANNOTATION_SOURCE_LOCATION]: `url:${web}`,
        [ANNOTATION_VIEW_URL]: web,
        [ANNOTATION_LOCATION]: `url:${web}`,
        [ANNOTATION_ORIGIN_LOCATION]: `url:${web}`,
        [ANNOTATION_STAGEDOOR_PLACEHOLDER]: 'true',
        ...(hasErrors(problems)
          ? {
              [ANNOTATION_STAGEDOOR_DISCOVERY_PROBLEMS]:
                summarizeProblems(problems),
            }
          : {}),
      },
    },
    spec: {
      type: fillTemplate(templates.type, vars),
      lifecycle: fillTemplate(templates.lifecycle, vars),
      owner: fillTemplate(templates.owner, vars),
    },
  };
  return {
    ref: stringifyEntityRef(entity).toLowerCase(),
    locationKey: `url:${web}`,
    entity,
    contentHash: hashOf(entity),
  };
}

/**
 * The entities of a repository's catalog files, checked by the same engine as the
 * validate task and the push API, with the annotations a push of the same files gets.
 */
export async function entitiesOfFiles(
  source: PushSource,
  files: { path: string; content: string }[],
): Promise<{ entities: DesiredEntity[]; problems: Problem[] }> {
  const validation = await validateCatalogFiles(files);
  const resolved = toDesiredEntities(
    source,
    validation.entities,
    new Set(files.map(f => f.path)),
  );
  return {
    entities: resolved.entities,
    problems: [...validation.problems, ...resolved.problems],
  };
}
