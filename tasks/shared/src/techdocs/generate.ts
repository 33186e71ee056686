/**
 * Builds a TechDocs site the way `@backstage/plugin-techdocs-node`'s
 * TechdocsGenerator does with `runIn: local`: find mkdocs.yaml / mkdocs.yml (or
 * write a default), refuse a docs_dir outside the folder, optionally copy
 * README.md to docs/index.md, add the techdocs-core plugin unless told not to,
 * run `mkdocs build`, then write techdocs_metadata.json.
 *
 * Unlike the backend generator we never rewrite the repository's mkdocs.yml: the
 * patched configuration goes to a temporary file beside it (so relative paths in
 * it still resolve) and is removed afterwards. The backend's key/plugin
 * allow-list (`sanitizeMkdocsYml`) is not applied: it protects a Backstage
 * server building other people's repositories, while here the repository's own
 * pipeline builds its own docs.
 */
import { existsSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  readFile,
  readdir,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  Document,
  YAMLMap,
  YAMLSeq,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
} from 'yaml';
import type { Reporter } from '../reporter';
import { TechDocsMetadata, writeTechDocsMetadata } from './metadata';
import { GenerateError, runMkdocsBuild } from './mkdocs';

/** Options of {@link generateSite}. */
export interface GenerateSiteOptions {
  /** Repository root: nothing the build reads may lie outside it. */
  sourceDir: string;
  /** Folder of mkdocs.yml: the `dir:` target of `backstage.io/techdocs-ref`. */
  docsRoot: string;
  /** Where the site goes (emptied by mkdocs). */
  outputDir: string;
  /** `site_name` of the default configuration when the folder has none (entity title or name). */
  siteName?: string;
  /** Do not add the techdocs-core plugin (`techdocs.generator.mkdocs.omitTechdocsCorePlugin`). */
  omitTechdocsCorePlugin?: boolean;
  /** Plugins added when missing (`techdocs.generator.mkdocs.defaultPlugins`). */
  defaultPlugins?: string[];
  /** Copy README.md to docs/index.md when docs/ has no index (`legacyCopyReadmeMdToIndexMd`). */
  copyReadmeToIndex?: boolean;
  /** The mkdocs executable. Default `mkdocs` from PATH. */
  mkdocs?: string;
  /** Kill mkdocs after this long. Default 10 min. */
  timeoutMs?: number;
  /** Stored as `etag` in the metadata (e.g. the commit id). */
  etag?: string;
  /**
   * Build date MkDocs writes into index.html and the sitemap (seconds since epoch).
   * Default: `SOURCE_DATE_EPOCH` from the environment, else 0. A fixed value keeps
   * unchanged pages byte-identical between builds, which is what lets an
   * incremental publish skip them.
   */
  sourceDateEpoch?: string;
  reporter: Reporter;
}

/** True when `path` is `base` or inside it. */
export function isChildPath(base: string, path: string): boolean {
  const rel = relative(resolve(base), resolve(path));
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}

/** Plugin names a `plugins:` node already lists (as `- name` or `- name: {…}`, or as map keys). */
function pluginNames(node: unknown): string[] {
  if (isSeq(node)) {
    return node.items.flatMap(item => {
      if (isScalar(item)) return [String(item.value)];
      if (isMap(item))
        return item.items.map(pair =>
          String(isScalar(pair.key) ? pair.key.value : pair.key),
        );
      return [];
    });
  }
  if (isMap(node))
    return node.items.map(pair =>
      String(isScalar(pair.key) ? pair.key.value : pair.key),
    );
  return [];
}

/**
 * Adds `plugins` missing from the configuration, like techdocs-node's
 * `patchMkdocsYmlWithPlugins`: no `plugins:` key at all means exactly these
 * plugins (which also switches MkDocs' built-in search off when the list is empty).
 */
export function addPlugins(doc: Document, plugins: string[]): boolean {
  const node = doc.get('plugins', true);
  if (!doc.has('plugins')) {
    doc.set('plugins', doc.createNode(plugins));
    return true;
  }
  const present = new Set(pluginNames(node));
  const missing = plugins.filter(p => !present.has(p));
  if (missing.length === 0) return false;
  if (isSeq(node))
    for (const p of missing) (node as YAMLSeq).add(doc.createNode(p));
  else if (isMap(node)) for (const p of missing) (node as YAMLMap).set(p, null);
  else doc.set('plugins', doc.createNode(plugins));
  return true;
}

/** Parses mkdocs.yml text; throws a {@link GenerateError} naming the file and line on broken YAML. */
export function parseMkdocsConfig(text: string, file: string): Document {
  // Python tags (!!python/name:…, !ENV) are kept as they are for MkDocs to resolve.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first.linePos
      ? `${file}:${first.linePos[0].line}:${first.linePos[0].col}`
      : file;
    throw new GenerateError(
      `${where}: ${file} is not valid YAML: ${first.message.split('\n')[0]}`,
    );
  }
  if (!isMap(doc.contents)) {
    throw new GenerateError(
      `${file} must be a YAML mapping (site_name: …, nav: …); found ${doc.contents ? 'something else' : 'an empty file'}.`,
    );
  }
  return doc;
}

async function rejectOutsideLinks(sourceDir: string, dir: string) {
  const root = await realpath(sourceDir);
  for (const entry of await readdir(dir, {
    recursive: true,
    withFileTypes: true,
  })) {
    if (!entry.isSymbolicLink()) continue;
    const path = join(entry.parentPath, entry.name);
    let target: string;
    try {
      target = await realpath(path);
    } catch {
      continue; // A dangling link: MkDocs will report it if it matters.
    }
    if (!isChildPath(root, target)) {
      throw new GenerateError(
        `${relative(sourceDir, path)} links to ${target}, outside the repository: docs may only use files from the repository.`,
      );
    }
  }
}

/** Copies README.md into docs/index.md when the docs have no index (techdocs-node's `patchIndexPreBuild`). */
async function copyReadme(
  docsRoot: string,
  docsDir: string,
  reporter: Reporter,
) {
  const docsPath = join(docsRoot, docsDir);
  const indexPath = join(docsPath, 'index.md');
  if (existsSync(indexPath)) return;
  reporter.warn(`${join(docsDir, 'index.md')} not found.`);
  await mkdir(docsPath, { recursive: true });
  for (const candidate of [
    join(docsPath, 'README.md'),
    join(docsPath, 'readme.md'),
    join(docsRoot, 'README.md'),
    join(docsRoot, 'readme.md'),
  ]) {
    if (existsSync(candidate)) {
      await copyFile(candidate, indexPath);
      reporter.info(
        `Copied ${relative(docsRoot, candidate)} to ${relative(docsRoot, indexPath)}`,
      );
      return;
    }
  }
  reporter.warn(
    `Could not find any techdocs' index file: add ${join(docsDir, 'index.md')} or README.md.`,
  );
}

/** Builds the site into `outputDir` and writes its metadata. */
export async function generateSite(
  options: GenerateSiteOptions,
): Promise<TechDocsMetadata> {
  const { reporter } = options;
  const docsRoot = resolve(options.docsRoot);
  if (!isChildPath(options.sourceDir, docsRoot)) {
    throw new GenerateError(
      `The docs folder ${docsRoot} is outside the repository ${options.sourceDir}: backstage.io/techdocs-ref must point inside it.`,
    );
  }
  if (!existsSync(docsRoot)) {
    throw new GenerateError(
      `The docs folder ${relative(options.sourceDir, docsRoot) || '.'} does not exist: fix backstage.io/techdocs-ref (dir:…).`,
    );
  }

  const candidates = ['mkdocs.yaml', 'mkdocs.yml'].filter(name =>
    existsSync(join(docsRoot, name)),
  );
  if (candidates.length > 1) {
    reporter.warn(
      `Both mkdocs.yml and mkdocs.yaml found in ${docsRoot}; using mkdocs.yaml. The other file will be ignored.`,
    );
  }
  const plugins = [...(options.defaultPlugins ?? [])];
  if (!options.omitTechdocsCorePlugin && !plugins.includes('techdocs-core'))
    plugins.push('techdocs-core');

  let doc: Document;
  const configName = candidates[0] ?? 'mkdocs.yml';
  const configLabel =
    relative(options.sourceDir, join(docsRoot, configName)) || configName;
  if (candidates.length > 0) {
    doc = parseMkdocsConfig(
      await readFile(join(docsRoot, configName), 'utf8'),
      configLabel,
    );
  } else {
    reporter.info(
      `No mkdocs.yml in ${relative(options.sourceDir, docsRoot) || '.'}: using a default configuration (docs_dir: docs).`,
    );
    doc = new Document({
      site_name: options.siteName ?? 'Documentation Site',
      docs_dir: 'docs',
    });
  }

  const docsDirValue = doc.get('docs_dir') ?? 'docs';
  if (typeof docsDirValue !== 'string' || docsDirValue.length === 0) {
    throw new GenerateError(
      `${configLabel}: docs_dir must be a relative folder name.`,
    );
  }
  if (
    isAbsolute(docsDirValue) ||
    !isChildPath(docsRoot, resolve(docsRoot, docsDirValue))
  ) {
    throw new GenerateError(
      `${configLabel}: docs_dir '${docsDirValue}' is absolute or leaves the folder of mkdocs.yml; use a relative path inside it (e.g. docs).`,
    );
  }
  if (options.copyReadmeToIndex)
    await copyReadme(docsRoot, docsDirValue, reporter);
  const docsPath = resolve(docsRoot, docsDirValue);
  if (!existsSync(docsPath)) {
    throw new GenerateError(
      `${configLabel}: the docs folder '${docsDirValue}' does not exist; create it with an index.md or fix docs_dir.`,
    );
  }
  await rejectOutsideLinks(options.sourceDir, docsPath);
  addPlugins(doc, plugins);

  // A hidden file beside the original so every relative path in it resolves the same.
  const tempConfig = join(
    docsRoot,
    `.stagedoor-mkdocs-${process.pid}-${Date.now()}.yml`,
  );
  await writeFile(tempConfig, doc.toString({ lineWidth: 0 }));
  try {
    reporter.info(
      `Building the docs in ${relative(options.sourceDir, docsRoot) || '.'} with MkDocs`,
    );
    await runMkdocsBuild({
      mkdocs: options.mkdocs ?? 'mkdocs',
      configFile: basename(tempConfig),
      cwd: docsRoot,
      outputDir: resolve(options.outputDir),
      timeoutMs: options.timeoutMs ?? 600_000,
      sourceDateEpoch:
        options.sourceDateEpoch ?? process.env.SOURCE_DATE_EPOCH ?? '0',
      reporter,
    });
  } finally {
    await rm(tempConfig, { force: true });
  }
  const siteName = doc.get('site_name');
  const siteDescription = doc.get('site_description');
  return writeTechDocsMetadata(resolve(options.outputDir), {
    siteName: typeof siteName === 'string' ? siteName : undefined,
    siteDescription:
      typeof siteDescription === 'string' ? siteDescription : undefined,
    etag: options.etag,
  });
}
