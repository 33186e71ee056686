/**
 * TechDocs build and incremental publish to Azure Blob Storage: the core behind
 * `BackstageTechDocsPublish@1` and `stagedoor techdocs publish`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Reporter } from '../reporter';
import { DocsTarget, findDocsTargets } from './entities';
import { TECHDOCS_DEFAULTS } from './defaults';
import { generateSite } from './generate';
import { parseEntityTriplet } from './layout';
import { GenerateError, installMkdocs } from './mkdocs';
import { PublishReport, publishSite } from './publish';
import {
  StorageTarget,
  createContainerClient,
  explainStorageError,
} from './storage';

export * from './layout';
export {
  findDocsTargets,
  DEFAULT_CATALOG_PATTERNS,
  type DocsTarget,
} from './entities';
export {
  generateSite,
  addPlugins,
  parseMkdocsConfig,
  isChildPath,
  type GenerateSiteOptions,
} from './generate';
export {
  writeTechDocsMetadata,
  type TechDocsMetadata,
  type MetadataDefaults,
} from './metadata';
export {
  GenerateError,
  MKDOCS_INSTALL_HINT,
  DEFAULT_TECHDOCS_CORE_VERSION,
} from './mkdocs';
export {
  publishSite,
  staleBlobs,
  md5Base64,
  listSiteFiles,
  listPublished,
  type PublishReport,
  type PublishSiteOptions,
} from './publish';
export {
  createContainerClient,
  StorageError,
  explainStorageError,
  type StorageTarget,
} from './storage';

/** Options of {@link publishTechDocs}; field names are the task's input names. */
export interface TechDocsPublishOptions {
  /** Repository checkout. */
  sourceDir: string;
  /** `namespace/kind/name`; default: every entity with a `dir:` techdocs-ref in the catalog files. */
  entityRef?: string;
  storage: StorageTarget;
  /** Build with MkDocs (default) or publish an already built site. */
  generate?: boolean;
  /** Without generate: the built site (default `<sourceDir>/site`). With generate: where to build one site. */
  siteDir?: string;
  omitTechdocsCorePlugin?: boolean;
  defaultPlugins?: string[];
  copyReadmeToIndex?: boolean;
  /** Install a pinned mkdocs-techdocs-core into a virtual environment for the run. */
  installMkdocs?: boolean;
  techdocsCoreVersion?: string;
  /** The mkdocs executable (default `mkdocs` on PATH). */
  mkdocs?: string;
  /** `techdocs.legacyUseCaseSensitiveTripletPaths`. */
  legacyCaseSensitive?: boolean;
  concurrency?: number;
  dryRun?: boolean;
  /** Stored as `etag` in the metadata (the task passes Build.SourceVersion). */
  etag?: string;
  /** MkDocs build timeout. Default 10 min. */
  buildTimeoutMs?: number;
  /** Temporary folder (the agent's Agent.TempDirectory). Default the OS's. */
  workDir?: string;
  reporter: Reporter;
}

/** What a run did, per site and in total. */
export interface TechDocsPublishResult {
  sites: PublishReport[];
  uploaded: number;
  skipped: number;
  deleted: number;
  bytes: number;
}

function summarise(sites: PublishReport[]): TechDocsPublishResult {
  return {
    sites,
    uploaded: sites.reduce((n, s) => n + s.uploaded.length, 0),
    skipped: sites.reduce((n, s) => n + s.skipped, 0),
    deleted: sites.reduce((n, s) => n + s.deleted.length, 0),
    bytes: sites.reduce((n, s) => n + s.bytes, 0),
  };
}

/** Builds (unless `generate: false`) and publishes the repository's TechDocs. */
export async function publishTechDocs(
  options: TechDocsPublishOptions,
): Promise<TechDocsPublishResult> {
  const { reporter } = options;
  const sourceDir = resolve(options.sourceDir);
  const container = createContainerClient(options.storage);
  const generate = options.generate ?? TECHDOCS_DEFAULTS.generate;

  let targets: DocsTarget[];
  if (!generate && options.entityRef) {
    targets = [
      {
        entity: parseEntityTriplet(options.entityRef),
        docsRoot: sourceDir,
        catalogFile: '',
        title: '',
      },
    ];
  } else {
    targets = await findDocsTargets({
      sourceDir,
      entityRef: options.entityRef,
      reporter,
    });
  }
  if (targets.length === 0) {
    reporter.info(
      'No TechDocs to publish: no catalog entity in this repository has a backstage.io/techdocs-ref: dir: annotation.',
    );
    return summarise([]);
  }
  if (!generate && targets.length > 1) {
    throw new GenerateError(
      `A built site belongs to one entity, but ${targets.length} entities have docs here (${targets.map(t => t.entity.name).join(', ')}); set entityRef.`,
    );
  }

  // Fail on a wrong container or missing role before spending minutes on a build.
  try {
    await container.listBlobsFlat().byPage({ maxPageSize: 1 }).next();
  } catch (error) {
    throw explainStorageError(error, container, 'checking the container');
  }

  const workDir = await mkdtemp(
    join(options.workDir ?? tmpdir(), 'stagedoor-techdocs-'),
  );
  try {
    let mkdocs = options.mkdocs;
    if (generate && options.installMkdocs) {
      mkdocs = await installMkdocs({
        workDir,
        version: options.techdocsCoreVersion,
        reporter,
      });
    }
    const sites: PublishReport[] = [];
    for (const [i, target] of targets.entries()) {
      let siteDir: string;
      if (!generate) {
        siteDir = resolve(sourceDir, options.siteDir ?? 'site');
      } else {
        siteDir =
          options.siteDir && targets.length === 1
            ? resolve(sourceDir, options.siteDir)
            : join(workDir, `site-${i}`);
        await generateSite({
          sourceDir,
          docsRoot: target.docsRoot,
          outputDir: siteDir,
          siteName: target.title,
          omitTechdocsCorePlugin: options.omitTechdocsCorePlugin,
          defaultPlugins: options.defaultPlugins,
          copyReadmeToIndex: options.copyReadmeToIndex,
          mkdocs,
          timeoutMs: options.buildTimeoutMs,
          etag: options.etag,
          reporter,
        });
      }
      const report = await publishSite({
        siteDir,
        entity: target.entity,
        container,
        legacyCaseSensitive: options.legacyCaseSensitive,
        concurrency: options.concurrency,
        dryRun: options.dryRun,
        reporter,
      });
      const verb = report.dryRun ? 'would upload' : 'uploaded';
      reporter.info(
        `${report.entity}: ${verb} ${report.uploaded.length} file(s) (${report.bytes} bytes), ${report.skipped} unchanged, ${report.dryRun ? 'would delete' : 'deleted'} ${report.deleted.length} (${report.durationMs} ms)`,
      );
      sites.push(report);
    }
    return summarise(sites);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
