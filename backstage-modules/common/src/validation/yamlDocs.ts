import {
  Document,
  LineCounter,
  Node as YamlNode,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
} from 'yaml';
import type { Problem } from '../problems';

/** One YAML document of a file, parsed, with a way back from a JSON path to a line and column. */
export interface ParsedDocument {
  /** The document as plain data (null for an empty document). */
  value: unknown;
  /** True when a YAML-level error was reported for it (the document is still checked further). */
  hasYamlErrors: boolean;
  /** 1-based position of the document's first content. */
  line: number;
  column: number;
  /** Position of the node at `path` (or of its nearest existing parent). `key: true` points at the map key. */
  locate(
    path: readonly (string | number)[],
    key?: boolean,
  ): { line: number; column: number };
}

export interface ParsedFile {
  documents: ParsedDocument[];
  problems: Problem[];
}

/** Limits that keep hostile input (alias bombs, deep nesting) cheap and finite. */
const MAX_ALIAS_COUNT = 100;
const MAX_DEPTH = 256;

// yaml error codes that get their own rule id; everything else is `yaml/syntax`.
const YAML_RULES: Record<string, string> = {
  DUPLICATE_KEY: 'yaml/duplicate-key',
  TAB_AS_INDENT: 'yaml/tab',
};

const YAML_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'remove or rename one of them',
  TAB_AS_INDENT: 'indent with spaces, never tabs',
};

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

/**
 * Walks `path` down the document's nodes. When the path ends early (a field that is missing),
 * points at the key of the deepest map entry that exists: `metadata:` for a missing
 * `metadata.tags`, which is where the fix goes.
 */
function nodeAt(
  doc: Document,
  path: readonly (string | number)[],
  wantKey: boolean,
): YamlNode | undefined {
  let node: unknown = doc.contents;
  let last: YamlNode | undefined = doc.contents ?? undefined;
  let lastKey: YamlNode | undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find(p => keyText(p.key) === String(segment));
      if (!pair) return lastKey ?? last;
      const isLast = i === path.length - 1;
      if (isLast && wantKey && pair.key && (pair.key as YamlNode).range) {
        return pair.key as YamlNode;
      }
      lastKey = (pair.key as YamlNode)?.range
        ? (pair.key as YamlNode)
        : undefined;
      node = pair.value ?? pair.key;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) return last;
      lastKey = undefined;
      node = item;
    } else {
      return last;
    }
    if (node && (node as YamlNode).range) last = node as YamlNode;
  }
  return last;
}

/** Iterative depth check: recursion over hostile input is exactly what we must not do. */
function depthOf(value: unknown): number {
  let max = 0;
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length) {
    const v = values.pop();
    const d = depths.pop()!;
    if (d > max) max = d;
    if (d > MAX_DEPTH) return d;
    if (Array.isArray(v)) {
      for (const child of v) {
        if (child && typeof child === 'object') {
          values.push(child);
          depths.push(d + 1);
        }
      }
    } else if (v && typeof v === 'object') {
      for (const k in v as Record<string, unknown>) {
        const child = (v as Record<string, unknown>)[k];
        if (child && typeof child === 'object') {
          values.push(child);
          depths.push(d + 1);
        }
      }
    }
  }
  return max;
}

/** Linear scan of `[`/`{` nesting (quotes ignored: a false alarm needs hundreds of brackets in a string). */
function flowDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if ((c === 93 || c === 125) && depth > 0) {
      depth--;
    }
  }
  return false;
}

/**
 * Parses every YAML document of a file the way the catalog does (`yaml`, no merge keys),
 * keeping positions. YAML-level problems (syntax, duplicate keys, tabs, alias bombs,
 * non-string keys, excessive nesting) come back as problems; nothing throws.
 */
export function parseYamlFile(file: string, text: string): ParsedFile {
  const problems: Problem[] = [];
  const lineCounter = new LineCounter();
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const problem = (
    offset: number,
    rule: string,
    message: string,
    severity: Problem['severity'] = 'error',
  ) => {
    problems.push({ file, ...pos(offset), severity, rule, message });
  };

  // The parser recurses on flow collections: refuse absurd bracket nesting before it does.
  if (flowDepthExceeds(text, MAX_DEPTH)) {
    problem(
      0,
      'yaml/too-deep',
      `The file nests brackets more than ${MAX_DEPTH} levels deep; it cannot be a catalog file.`,
    );
    return { documents: [], problems };
  }
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, {
      lineCounter,
      merge: false,
      uniqueKeys: true,
      prettyErrors: true,
      // Problems are reported as problems; yaml must not print process warnings of its own.
      logLevel: 'error',
    }) as Document.Parsed[];
  } catch (error) {
    // The parser recurses on nesting; a stack overflow means a pathologically deep document.
    const deep = error instanceof RangeError;
    problems.push({
      file,
      line: 1,
      column: 1,
      severity: 'error',
      rule: deep ? 'yaml/too-deep' : 'yaml/syntax',
      message: deep
        ? 'The file nests too deeply to be a catalog file; flatten it.'
        : `The file could not be parsed as YAML: ${String(error)}.`,
    });
    return { documents: [], problems };
  }
  if (!Array.isArray(docs)) docs = [];

  const documents: ParsedDocument[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      // Like the catalog, a document with a YAML error yields no entity; report its first error.
      const e = doc.errors[0];
      const rule = YAML_RULES[e.code] ?? 'yaml/syntax';
      const first = e.message
        .split('\n')[0]
        .replace(/ at line \d+, column \d+:?$/, '');
      const hint = YAML_HINTS[e.code];
      problem(e.pos[0], rule, `${first}${hint ? `: ${hint}` : ''}.`);
      continue;
    }
    const start = doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    // Keys that are not strings (numbers, booleans, null, collections) become strings in JSON;
    // that silent change is almost always a mistake in a catalog file.
    let docFailed = false;
    const stack: unknown[] = [doc.contents];
    while (stack.length) {
      const node = stack.pop();
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = pair.key as YamlNode | null;
          if (!(isScalar(key) && typeof key.value === 'string')) {
            const offset = key?.range?.[0] ?? start;
            const source = key?.range
              ? text.slice(
                  key.range[0],
                  Math.min(key.range[1], key.range[0] + 40),
                )
              : '';
            problem(
              offset,
              'yaml/non-string-key',
              isScalar(key) && source.trim()
                ? `Map key ${source} is read as a ${key.value === null ? 'null' : typeof key.value}, not a string; quote it ("${String(key.value)}").`
                : key && !isScalar(key)
                  ? `Map key ${source}… is read as a collection, not a string; quote the whole value (template expressions such as \${{ values.name }} must be quoted).`
                  : 'A map entry has an empty key; write a key before the colon.',
            );
            docFailed = true;
          }
          if (pair.value && !isScalar(pair.value)) stack.push(pair.value);
        }
      } else if (isSeq(node)) {
        for (const item of node.items)
          if (item && !isScalar(item)) stack.push(item);
      }
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const bomb = error instanceof ReferenceError;
      problem(
        start,
        bomb ? 'yaml/alias-budget' : 'yaml/too-deep',
        bomb
          ? `The document expands too many aliases (more than ${MAX_ALIAS_COUNT}); write the values out instead of using anchors.`
          : 'The document nests too deeply to be a catalog entity; flatten it.',
      );
      continue;
    }
    if (depthOf(value) > MAX_DEPTH) {
      problem(
        start,
        'yaml/too-deep',
        `The document nests more than ${MAX_DEPTH} levels deep; flatten it.`,
      );
      continue;
    }
    const p = pos(start);
    documents.push({
      value,
      hasYamlErrors: docFailed,
      line: p.line,
      column: p.column,
      locate(path, key = false) {
        const node = nodeAt(doc, path, key);
        return pos(node?.range?.[0] ?? start);
      },
    });
  }
  return { documents, problems };
}
