import { parseAllDocuments } from 'yaml';
import { resolveRepoPath } from '../validation/extraRules';

/**
 * Software-template skeletons: the files a Template entity copies into new repositories.
 * Their `catalog-info.yaml` is a Nunjucks template (`${{ values.name }}`, `{%- if … %}`),
 * not a catalog file, so validation, pushes and discovery leave them out by default.
 * Everything here is pure (paths + contents in, answers out) so every caller finds the same.
 */

/** Scaffolder actions whose relative `input.url` names a folder copied as the skeleton. */
export const SKELETON_FETCH_ACTIONS = ['fetch:template', 'fetch:plain'];

/** Where Template entities usually live, for callers that look for them beyond catalog files. */
export const TEMPLATE_FILE_PATTERNS = ['**/template.yaml', '**/template.yml'];

const isUrl = (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s);
// Cheap pre-check so only files that may hold a Template entity are parsed.
const mayHoldTemplate = /kind:\s*["']?Template\b/;
const TEMPLATE_LINE = /^kind:\s*["']?Template["']?\s*(#.*)?$/m;
const EXPRESSION = /\$\{\{[\s\S]*?\}\}/;
const NUNJUCKS_TAG = /\{%-?[\s\S]*?-?%\}/;

/** What is read of a Template entity; anything may be missing or of another type. */
interface TemplateShape {
  kind?: unknown;
  spec?: { steps?: { action?: unknown; input?: { url?: unknown } }[] };
}

const text = (content: string | Uint8Array) =>
  typeof content === 'string' ? content : Buffer.from(content).toString('utf8');

/**
 * The skeleton folders a file's Template entities fetch: each `fetch:template`/`fetch:plain`
 * step with a relative `input.url` (`./skeleton`), resolved against the file's folder.
 * `path` is relative to the repository root with forward slashes; so are the answers.
 * A file that holds no Template entity, or does not parse, gives none.
 */
export function templateSkeletonFolders(
  path: string,
  content: string | Uint8Array,
): string[] {
  const source = text(content);
  if (!mayHoldTemplate.test(source)) return [];
  let docs;
  try {
    docs = parseAllDocuments(source, { merge: false, logLevel: 'silent' });
  } catch {
    return [];
  }
  if (!Array.isArray(docs)) return [];
  const out = new Set<string>();
  for (const doc of docs) {
    if (doc.errors.length) continue;
    let entity: TemplateShape | null;
    try {
      entity = doc.toJS({ maxAliasCount: 100 });
    } catch {
      continue;
    }
    if (entity?.kind !== 'Template' || !Array.isArray(entity.spec?.steps))
      continue;
    for (const step of entity.spec.steps) {
      const url = step?.input?.url;
      if (
        typeof step?.action !== 'string' ||
        !SKELETON_FETCH_ACTIONS.includes(step.action) ||
        typeof url !== 'string' ||
        isUrl(url) ||
        url.includes('${{')
      )
        continue;
      const folder = resolveRepoPath(path, url);
      // A Template fetching its own folder's root as skeleton would hide itself: not followed.
      if (folder) out.add(folder);
    }
  }
  return [...out];
}

/**
 * Why `path` is a template skeleton file and no catalog file, or `undefined` when it is not:
 * it lies in one of `skeletonFolders` (from {@link templateSkeletonFolders} over the
 * repository's Template entities), or its text holds `${{ }}` expressions or `{% %}` tags
 * (a file declaring a Template entity holds `${{ }}` in its steps and is never a skeleton).
 */
export function templateSkeletonReason(
  path: string,
  content: string | Uint8Array,
  skeletonFolders: ReadonlySet<string> | readonly string[] = [],
): string | undefined {
  for (const folder of skeletonFolders) {
    if (folder && path.startsWith(`${folder}/`))
      return `in ${folder}/, the skeleton a Template fetches`;
  }
  const source = text(content);
  if (TEMPLATE_LINE.test(source)) return undefined;
  if (NUNJUCKS_TAG.test(source)) return 'holds {% %} template tags';
  if (EXPRESSION.test(source)) return 'holds ${{ }} template expressions';
  return undefined;
}
