import type { ErrorObject } from 'ajv';

/** A schema error turned into something a person can act on, with where it points. */
export interface ReadableError {
  path: (string | number)[];
  /** Point at the map key rather than the value (unknown fields). */
  key: boolean;
  message: string;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map(s => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `spec.owner`, `metadata.tags[2]`; the root is `the document`. */
export function dotted(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'the document';
  return path.reduce<string>(
    (acc, p) =>
      typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : String(p),
    '',
  );
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string')
    return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function article(type: string): string {
  const t = type.split(',').map(s => s.trim());
  const named = t.map(x =>
    x === 'object'
      ? 'a map'
      : x === 'array'
        ? 'a list'
        : x === 'integer'
          ? 'an integer'
          : `a ${x}`,
  );
  return named.join(' or ');
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let v: any = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[p as any];
  }
  return v;
}

/**
 * Turns Ajv's errors into one readable message per distinct problem: no raw schema dump,
 * no combinator noise (`anyOf`, `if`), the field named the way it is written in YAML.
 */
export function readableSchemaErrors(
  errors: readonly ErrorObject[],
  data: unknown,
  what: string,
): ReadableError[] {
  const out: ReadableError[] = [];
  const seen = new Set<string>();
  const push = (e: ReadableError) => {
    const id = `${e.path.join('\u0000')}|${e.message}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push(e);
  };
  // When a branch of anyOf/oneOf fails, its children carry the detail; the combinator itself
  // only adds "must match a schema in anyOf". Keep it only when nothing more specific exists.
  const specific = errors.filter(
    e => !['anyOf', 'oneOf', 'if', 'allOf', 'not'].includes(e.keyword),
  );
  const chosen = specific.length ? specific : errors;
  for (const e of chosen) {
    const path = pointerToPath(e.instancePath);
    const field = dotted(path);
    const value = valueAt(data, path);
    const p = e.params as Record<string, any>;
    switch (e.keyword) {
      case 'required':
        push({
          path,
          key: false,
          message: `${field === 'the document' ? 'The document' : `"${field}"`} is missing the required field "${p.missingProperty}" for ${what}; add it.`,
        });
        break;
      case 'additionalProperties':
        push({
          path: [...path, p.additionalProperty],
          key: true,
          message: `"${dotted([...path, p.additionalProperty])}" is not a field ${what} allows; remove it or check its spelling.`,
        });
        break;
      case 'type':
        push({
          path,
          key: false,
          message: `"${field}" must be ${article(String(p.type))}, not ${typeOf(value)}.`,
        });
        break;
      case 'minLength':
        push({ path, key: false, message: `"${field}" must not be empty.` });
        break;
      case 'minItems':
        push({
          path,
          key: false,
          message: `"${field}" must have at least ${p.limit} item(s).`,
        });
        break;
      case 'enum':
        push({
          path,
          key: false,
          message: `"${field}" is ${typeOf(value)}, but must be one of ${(
            p.allowedValues as unknown[]
          )
            .map(v => JSON.stringify(v))
            .join(', ')}.`,
        });
        break;
      case 'const':
        push({
          path,
          key: false,
          message: `"${field}" must be ${JSON.stringify(p.allowedValue)}, not ${typeOf(value)}.`,
        });
        break;
      case 'pattern':
        push({
          path,
          key: false,
          message: `"${field}" is ${typeOf(value)}, which does not have the expected format (${p.pattern}).`,
        });
        break;
      default:
        push({
          path,
          key: false,
          message: `"${field}" ${e.message ?? 'is not valid'}.`,
        });
    }
  }
  return out;
}
