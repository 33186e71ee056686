/**
 * Which entities a repository documents: catalog files whose entities carry a
 * `backstage.io/techdocs-ref: dir:<path>` annotation (the path is relative to
 * the catalog file, as the catalog resolves it), or one entity named outright.
 */
import fg from 'fast-glob';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Reporter } from '../reporter';
import { isChildPath } from './generate';
import { DocsEntity, parseEntityTriplet } from './layout';
import { GenerateError } from './mkdocs';

/** One site to build and publish. */
export interface DocsTarget {
  entity: DocsEntity;
  /** Absolute folder of the site's mkdocs.yml. */
  docsRoot: string;
  /** Catalog file that declared it, relative to the repository ('' when named by entityRef). */
  catalogFile: string;
  /** Entity title or name: the default site name. */
  title: string;
}

/** Catalog files looked at by default. */
export const DEFAULT_CATALOG_PATTERNS = [
  '**/catalog-info.yaml',
  '**/catalog-info.yml',
];

const TECHDOCS_REF = 'backstage.io/techdocs-ref';

function sameEntity(a: DocsEntity, b: DocsEntity) {
  return (
    a.namespace.toLowerCase() === b.namespace.toLowerCase() &&
    a.kind.toLowerCase() === b.kind.toLowerCase() &&
    a.name.toLowerCase() === b.name.toLowerCase()
  );
}

/** Finds the docs sites of a repository. */
export async function findDocsTargets(options: {
  sourceDir: string;
  /** `namespace/kind/name`: publish only this entity (docs at the repository root when no catalog file names it). */
  entityRef?: string;
  /** Globs of catalog files, relative to sourceDir. */
  catalogPatterns?: string[];
  reporter: Reporter;
}): Promise<DocsTarget[]> {
  const { sourceDir, reporter } = options;
  const files = await fg(options.catalogPatterns ?? DEFAULT_CATALOG_PATTERNS, {
    cwd: sourceDir,
    ignore: ['**/node_modules/**', '**/.git/**'],
    dot: false,
    onlyFiles: true,
  });
  const targets: DocsTarget[] = [];
  for (const file of files.sort()) {
    let docs;
    try {
      docs = parseAllDocuments(await readFile(join(sourceDir, file), 'utf8'));
    } catch (error) {
      reporter.warn(`${file}: not read (${(error as Error).message})`);
      continue;
    }
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors.length > 0) {
        reporter.warn(
          `${file}: skipped a document that is not valid YAML (${doc.errors[0].message.split('\n')[0]})`,
        );
        continue;
      }
      const entity = doc.toJS() as {
        kind?: unknown;
        metadata?: {
          name?: unknown;
          namespace?: unknown;
          title?: unknown;
          annotations?: Record<string, unknown>;
        };
      } | null;
      const ref = entity?.metadata?.annotations?.[TECHDOCS_REF];
      if (
        typeof ref !== 'string' ||
        typeof entity?.kind !== 'string' ||
        typeof entity.metadata?.name !== 'string'
      )
        continue;
      const name = entity.metadata.name;
      const namespace =
        typeof entity.metadata.namespace === 'string'
          ? entity.metadata.namespace
          : 'default';
      if (!ref.startsWith('dir:')) {
        reporter.warn(
          `${file}: ${entity.kind}:${namespace}/${name} has ${TECHDOCS_REF}: ${ref}; only dir: references are built from the repository, skipped.`,
        );
        continue;
      }
      const docsRoot = resolve(
        sourceDir,
        dirname(file),
        ref.slice('dir:'.length) || '.',
      );
      if (!isChildPath(sourceDir, docsRoot)) {
        throw new GenerateError(
          `${file}: ${TECHDOCS_REF} '${ref}' of ${name} points outside the repository; use a folder inside it (e.g. dir:.).`,
        );
      }
      targets.push({
        entity: { namespace, kind: entity.kind, name },
        docsRoot,
        catalogFile: file,
        title:
          typeof entity.metadata.title === 'string'
            ? entity.metadata.title
            : name,
      });
    }
  }
  if (options.entityRef) {
    const wanted = parseEntityTriplet(options.entityRef);
    const found = targets.filter(t => sameEntity(t.entity, wanted));
    if (found.length > 0) return found.slice(0, 1);
    reporter.info(
      `${options.entityRef} is not in the repository's catalog files: building the docs at the repository root.`,
    );
    return [
      {
        entity: wanted,
        docsRoot: resolve(sourceDir),
        catalogFile: '',
        title: wanted.name,
      },
    ];
  }
  for (const t of targets) {
    reporter.debug(
      `${t.catalogFile}: ${t.entity.kind}:${t.entity.namespace}/${t.entity.name} → ${relative(sourceDir, t.docsRoot) || '.'}`,
    );
  }
  return targets;
}
