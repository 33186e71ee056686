/**
 * Incremental publish of a built TechDocs site: list what is already in the
 * container under the entity's folder, compare Content-MD5, upload only what
 * changed (bounded parallelism), then `techdocs_metadata.json`, then delete
 * what is gone. Readers (the techdocs backend) start from the metadata file, so
 * a run that stops midway leaves the previous version readable and the next run
 * finishes the job.
 */
import {
  RestError,
  type ContainerClient,
  type ContainerListBlobFlatSegmentResponse,
} from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Reporter } from '../reporter';
import {
  DocsEntity,
  METADATA_FILE,
  blobNameFor,
  contentTypeFor,
  entityRootPath,
} from './layout';
import { StorageError, explainStorageError } from './storage';
import { TECHDOCS_DEFAULTS } from './defaults';

/** Options of {@link publishSite}. */
export interface PublishSiteOptions {
  /** The built site (contains `index.html` and `techdocs_metadata.json`). */
  siteDir: string;
  entity: DocsEntity;
  container: ContainerClient;
  /** Keep the triplet's case (`techdocs.legacyUseCaseSensitiveTripletPaths`). */
  legacyCaseSensitive?: boolean;
  /** Uploads and deletes in flight at once. Default 16. */
  concurrency?: number;
  /** Compare and report, change nothing. */
  dryRun?: boolean;
  /** Blobs per listing page. Default 5000 (the service's maximum). */
  listPageSize?: number;
  reporter: Reporter;
}

/** What a publish did (or, in a dry run, would do). */
export interface PublishReport {
  /** `namespace/kind/name` as stored. */
  entity: string;
  /** Files in the local site. */
  files: number;
  /** Blob names uploaded, metadata last. */
  uploaded: string[];
  /** Files whose Content-MD5 already matched. */
  skipped: number;
  /** Blob names deleted because the site no longer has them. */
  deleted: string[];
  /** Bytes sent in upload bodies. */
  bytes: number;
  dryRun: boolean;
  durationMs: number;
}

/** Relative paths (forward slashes) of every file under `dir`, sorted. */
export async function listSiteFiles(dir: string): Promise<string[]> {
  // Synchronous on purpose: Node 20's recursive fs.promises.readdir visits one
  // folder per thread-pool round trip (≈ 75 ms for a 1,000-page site, 17 ms here).
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter(e => e.isFile())
    .map(e => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** Base64 MD5, the form Azure stores in Content-MD5. */
export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

/**
 * Blobs to delete: published names the new site does not have. Like
 * techdocs-node's `getStaleFiles`, a blob named like a parent folder of a new
 * file is kept (hierarchical-namespace accounts list folders as blobs).
 */
export function staleBlobs(
  newNames: Iterable<string>,
  existingNames: Iterable<string>,
): string[] {
  const keep = new Set<string>();
  for (const name of newNames) {
    keep.add(name);
    for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1))
      keep.add(name.slice(0, i));
  }
  return [...existingNames].filter(n => !keep.has(n)).sort();
}

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops new work. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  const rejected = results.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (rejected) throw rejected.reason;
}

/**
 * Base64 MD5 of each file, read synchronously in slices of a few milliseconds:
 * `fs.promises.readFile` costs ≈ 90 µs of CPU per small file (four thread-pool
 * round trips), `readFileSync` ≈ 30 µs, and yielding between slices lets the
 * listing that runs meanwhile send its request and receive its answer.
 */
export async function hashSiteFiles(
  siteDir: string,
  files: readonly string[],
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  let slice = performance.now();
  for (const relativePath of files) {
    hashes.set(
      relativePath,
      md5Base64(readFileSync(join(siteDir, relativePath))),
    );
    if (performance.now() - slice > 4) {
      await nextTurn();
      slice = performance.now();
    }
  }
  return hashes;
}

/**
 * Tries of one listing page whose answer broke off midway. The SDK retries failed requests and
 * HTTP errors itself, but not a body that stops coming (`RestError` PARSE_ERROR "Error reading
 * response as text"); the page is asked for again from its continuation token.
 */
const LIST_PAGE_TRIES = 3;

/** Published blobs under `prefix` (all listing pages) with their Content-MD5 (base64, or '' if none). */
export async function listPublished(
  container: ContainerClient,
  prefix: string,
  pageSize = 5000,
): Promise<Map<string, string>> {
  const published = new Map<string, string>();
  let continuationToken: string | undefined;
  try {
    do {
      let page: ContainerListBlobFlatSegmentResponse | undefined;
      for (let attempt = 1; !page; attempt++) {
        try {
          const next = await container
            .listBlobsFlat({ prefix })
            .byPage({ maxPageSize: pageSize, continuationToken })
            .next();
          page = next.done ? undefined : next.value;
          if (!page) return published;
        } catch (error) {
          const brokeOff =
            error instanceof RestError && error.code === RestError.PARSE_ERROR;
          if (!brokeOff || attempt >= LIST_PAGE_TRIES) throw error;
        }
      }
      for (const blob of page.segment.blobItems) {
        const md5 = blob.properties.contentMD5;
        published.set(
          blob.name,
          md5 ? Buffer.from(md5).toString('base64') : '',
        );
      }
      continuationToken = page.continuationToken;
    } while (continuationToken);
  } catch (error) {
    throw explainStorageError(error, container, 'listing the published files');
  }
  return published;
}

/** Publishes `siteDir` for one entity, incrementally. */
export async function publishSite(
  options: PublishSiteOptions,
): Promise<PublishReport> {
  const started = Date.now();
  const { container, entity, reporter, siteDir } = options;
  const legacy =
    options.legacyCaseSensitive ?? TECHDOCS_DEFAULTS.legacyCaseSensitive;
  const concurrency = Math.max(
    1,
    options.concurrency ?? TECHDOCS_DEFAULTS.concurrency,
  );
  const dryRun = options.dryRun ?? TECHDOCS_DEFAULTS.dryRun;
  const root = entityRootPath(entity, legacy);

  // Start listing the container first: after a small change the listing and
  // hashing the local files are the whole run, and they overlap.
  const listing = listPublished(container, `${root}/`, options.listPageSize);
  listing.catch(() => undefined); // awaited below; do not let it surface as unhandled meanwhile

  let files: string[];
  try {
    if (!(await stat(siteDir)).isDirectory())
      throw new Error('not a directory');
    files = await listSiteFiles(siteDir);
  } catch {
    throw new StorageError(
      `The site folder ${siteDir} does not exist: build the docs first or fix siteDir.`,
    );
  }
  if (!files.includes('index.html')) {
    throw new StorageError(
      `${siteDir} has no index.html: it does not look like a built MkDocs site (siteDir).`,
    );
  }
  if (!files.includes(METADATA_FILE)) {
    throw new StorageError(
      `${siteDir} has no ${METADATA_FILE}: the techdocs backend needs it. Let the task generate the site, or build it with techdocs-cli generate.`,
    );
  }

  const local = await hashSiteFiles(siteDir, files);
  const published = await listing;
  reporter.debug(`${published.size} file(s) already published under ${root}/`);

  const report: PublishReport = {
    entity: root,
    files: files.length,
    uploaded: [],
    skipped: 0,
    deleted: [],
    bytes: 0,
    dryRun,
    durationMs: 0,
  };

  const upload = async (relativePath: string) => {
    const name = blobNameFor(entity, relativePath, legacy);
    const data = await readFile(join(siteDir, relativePath));
    const md5 = md5Base64(data);
    if (!dryRun) {
      try {
        await container.getBlockBlobClient(name).uploadData(data, {
          blobHTTPHeaders: {
            blobContentType: contentTypeFor(relativePath),
            blobContentMD5: Buffer.from(md5, 'base64'),
          },
        });
      } catch (error) {
        throw explainStorageError(error, container, `uploading ${name}`);
      }
    }
    report.uploaded.push(name);
    report.bytes += data.byteLength;
    reporter.debug(
      `${dryRun ? 'would upload' : 'uploaded'} ${name} (${data.byteLength} bytes)`,
    );
  };
  const changed = files.filter(
    f => published.get(blobNameFor(entity, f, legacy)) !== local.get(f),
  );
  report.skipped = files.length - changed.length;

  // Pages first, the metadata file the backend starts from last, deletions after both:
  // until the metadata lands, readers see the previous version complete.
  await forEachLimited(
    changed.filter(f => f !== METADATA_FILE),
    concurrency,
    upload,
  );
  if (changed.includes(METADATA_FILE)) await upload(METADATA_FILE);

  const stale = staleBlobs(
    files.map(f => blobNameFor(entity, f, legacy)),
    published.keys(),
  );
  await forEachLimited(stale, concurrency, async name => {
    if (!dryRun) {
      try {
        await container.deleteBlob(name, { deleteSnapshots: 'include' });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) {
          throw explainStorageError(error, container, `deleting ${name}`);
        }
      }
    }
    report.deleted.push(name);
  });
  report.deleted.sort();
  report.durationMs = Date.now() - started;
  return report;
}
