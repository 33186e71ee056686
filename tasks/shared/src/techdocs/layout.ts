/**
 * Where TechDocs sites live in the container and how they are served: the same
 * rules as `@backstage/plugin-techdocs-node` (`getCloudPathForLocalPath`,
 * `lowerCaseEntityTriplet`), so the techdocs backend reads what we write.
 */
import { contentType } from 'mime-types';
import { extname } from 'node:path';

/** An entity a docs site belongs to. Kind and namespace as written in the catalog file. */
export interface DocsEntity {
  namespace: string;
  kind: string;
  name: string;
}

/** Name of the metadata file the techdocs backend reads first, published last. */
export const METADATA_FILE = 'techdocs_metadata.json';

/** `default/Component/name` → `{ namespace, kind, name }`; also accepts `component:ns/name`. */
export function parseEntityTriplet(ref: string): DocsEntity {
  const trimmed = ref.trim();
  const compound = /^([^:/]+):(?:([^/]+)\/)?([^/]+)$/.exec(trimmed);
  if (compound) {
    return {
      kind: compound[1],
      namespace: compound[2] ?? 'default',
      name: compound[3],
    };
  }
  const parts = trimmed.split('/');
  if (parts.length === 3 && parts.every(p => p.length > 0)) {
    return { namespace: parts[0], kind: parts[1], name: parts[2] };
  }
  throw new Error(
    `'${ref}' is not an entity reference: write it as <namespace>/<kind>/<name> (e.g. default/component/my-service) or <kind>:<namespace>/<name>`,
  );
}

/**
 * The folder of an entity's site in the container, without a trailing slash:
 * `{namespace}/{kind}/{name}`, lower-cased unless the backend runs with
 * `techdocs.legacyUseCaseSensitiveTripletPaths`.
 */
export function entityRootPath(
  entity: DocsEntity,
  legacyCaseSensitive = false,
): string {
  const triplet = `${entity.namespace}/${entity.kind}/${entity.name}`;
  return legacyCaseSensitive ? triplet : triplet.toLowerCase();
}

/** Blob name of a site file (`relativePath` with forward slashes, relative to the site root). */
export function blobNameFor(
  entity: DocsEntity,
  relativePath: string,
  legacyCaseSensitive = false,
): string {
  return `${entityRootPath(entity, legacyCaseSensitive)}/${relativePath.split('\\').join('/')}`;
}

/**
 * Content type stored on the blob. The techdocs backend sets its own headers
 * when it serves a file, so this only matters to anyone reading the container
 * directly (a CDN, a static website); a real type beats the SDK's octet-stream.
 */
export function contentTypeFor(relativePath: string): string {
  return (
    contentType(extname(relativePath) || '.bin') || 'application/octet-stream'
  );
}
