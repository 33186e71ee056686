/**
 * `techdocs_metadata.json`, written the way `@backstage/plugin-techdocs-node`
 * does after a build (`createOrUpdateMetadata`, `storeEtagMetadata`): keep what
 * the techdocs-core plugin wrote (`site_name`, `site_description`), add
 * `build_timestamp` (ms since epoch) and `files` (every file of the site,
 * relative, the metadata file included), and `etag` when one is given.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { METADATA_FILE } from './layout';
import { listSiteFiles } from './publish';

/** The metadata the techdocs backend and frontend read. */
export interface TechDocsMetadata {
  site_name?: string;
  site_description?: string;
  build_timestamp: number;
  files: string[];
  etag?: string;
  [key: string]: unknown;
}

/** What to fill in when the techdocs-core plugin did not write the file itself. */
export interface MetadataDefaults {
  siteName?: string;
  siteDescription?: string;
  /** Stored as `etag`, e.g. the commit the docs were built from. */
  etag?: string;
  /** For tests; default `Date.now()`. */
  now?: number;
}

/** Creates or completes `<siteDir>/techdocs_metadata.json` and returns what it wrote. */
export async function writeTechDocsMetadata(
  siteDir: string,
  defaults: MetadataDefaults = {},
): Promise<TechDocsMetadata> {
  const path = join(siteDir, METADATA_FILE);
  let json: Record<string, unknown> = {};
  let existing: string | undefined;
  try {
    existing = await readFile(path, 'utf8');
  } catch {
    // techdocs-core off: techdocs-node starts from `{}`; we also add the site's name
    // and description, which is what techdocs-core would have written.
    if (defaults.siteName !== undefined) json.site_name = defaults.siteName;
    if (defaults.siteDescription !== undefined)
      json.site_description = defaults.siteDescription;
  }
  if (existing !== undefined) {
    try {
      json = JSON.parse(existing);
    } catch (error) {
      throw new Error(
        `Invalid JSON at ${path} with error ${(error as Error).message}`,
      );
    }
  }
  // The file must exist before it is listed: techdocs-node's `files` includes it.
  await writeFile(path, JSON.stringify(json));
  json.build_timestamp = defaults.now ?? Date.now();
  json.files = await listSiteFiles(siteDir);
  if (defaults.etag) json.etag = defaults.etag;
  // fs-extra's writeJson: JSON.stringify without indentation, plus a newline.
  await writeFile(path, `${JSON.stringify(json)}\n`);
  return json as TechDocsMetadata;
}
