/**
 * A small evaluator for the Azure Pipelines expression language, enough to check the
 * decorator template: template expressions (`${{ if … }}`, `${{ … }}` inside strings,
 * with the decorator context `job`, `resources`, `variables`) and runtime `condition:`s.
 *
 * Semantics follow Microsoft's "Expressions" reference: string comparison is ordinal
 * ignore-case; `eq`/`ne`/`in` convert the right operand to the left operand's type and
 * are false when that fails; a missing variable is null; null equals ''; `coalesce`
 * skips null and ''; `and`/`or` short-circuit; truthiness: null, '', 0 and false are false.
 */

export type Value =
  | null
  | boolean
  | number
  | string
  | Value[]
  | { [key: string]: Value };

/** What an expression can see. */
export interface ExpressionContext {
  /** Named objects: `variables`, `job`, `resources`, … */
  named: Record<string, Value>;
  /** The job status the status functions read (`succeeded()`, …). Default Succeeded. */
  jobStatus?: 'Succeeded' | 'SucceededWithIssues' | 'Failed' | 'Canceled';
}

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'name'; name: string }
  | { kind: 'index'; target: Node; key: Node }
  | { kind: 'wildcard'; target: Node }
  | { kind: 'call'; name: string; args: Node[] };

const TOKEN =
  /\s*(?:('(?:[^']|'')*')|(-?\d+(?:\.\d+)?(?![\w.]))|([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)|(\.\*)|(\.)|([()[\],]))/y;

/** Parses one expression; throws on anything the evaluator does not understand. */
export function parseExpression(source: string): Node {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) throw new Error(`cannot parse expression at ${start}: ${source}`);
    tokens.push(m[0].trim());
  }
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const expect = (t: string) => {
    if (next() !== t)
      throw new Error(`expected ${t} at token ${pos} in: ${source}`);
  };

  function postfix(node: Node): Node {
    for (;;) {
      if (peek() === '[') {
        next();
        const key = primary();
        expect(']');
        node = { kind: 'index', target: node, key };
      } else if (peek() === '.*') {
        next();
        node = { kind: 'wildcard', target: node };
      } else if (peek() === '.') {
        next();
        const name = next();
        for (const part of name.split('.')) {
          node = {
            kind: 'index',
            target: node,
            key: { kind: 'literal', value: part },
          };
        }
      } else {
        return node;
      }
    }
  }

  function primary(): Node {
    const t = next();
    if (t === undefined)
      throw new Error(`unexpected end of expression: ${source}`);
    if (t.startsWith("'"))
      return { kind: 'literal', value: t.slice(1, -1).replace(/''/g, "'") };
    if (/^-?\d/.test(t)) return { kind: 'literal', value: Number(t) };
    if (/^true$/i.test(t)) return { kind: 'literal', value: true };
    if (/^false$/i.test(t)) return { kind: 'literal', value: false };
    if (/^null$/i.test(t)) return { kind: 'literal', value: null };
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() === '(') {
        next();
        const args: Node[] = [];
        if (peek() !== ')') {
          for (;;) {
            args.push(primary());
            if (peek() === ',') next();
            else break;
          }
        }
        expect(')');
        return postfix({ kind: 'call', name: t, args });
      }
      // `job.steps` arrives as one dotted token: the first part is the name.
      const [head, ...rest] = t.split('.');
      let node: Node = { kind: 'name', name: head };
      for (const part of rest)
        node = {
          kind: 'index',
          target: node,
          key: { kind: 'literal', value: part },
        };
      return postfix(node);
    }
    throw new Error(`unexpected token ${t} in: ${source}`);
  }

  const node = primary();
  if (pos !== tokens.length)
    throw new Error(`trailing tokens after position ${pos} in: ${source}`);
  return node;
}

/** Truthiness as the expression language defines it. */
export function toBoolean(v: Value): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'string') return v !== '';
  return true;
}

function toStringValue(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  throw new Error('cannot convert an array or object to a string');
}

/** `eq` with the language's conversion rules: the right side takes the left side's type. */
export function looseEquals(left: Value, right: Value): boolean {
  if (left === null) return right === null || right === '';
  if (typeof left === 'string') {
    if (typeof right === 'object' && right !== null) return false;
    return left.toLowerCase() === toStringValue(right).toLowerCase();
  }
  if (typeof left === 'number') {
    if (right === null) return left === 0;
    if (typeof right === 'boolean') return left === (right ? 1 : 0);
    if (typeof right === 'number') return left === right;
    if (typeof right === 'string') {
      const n = right.trim() === '' ? 0 : Number(right);
      return !Number.isNaN(n) && left === n;
    }
    return false;
  }
  if (typeof left === 'boolean')
    return typeof right === 'object' && right !== null
      ? false
      : left === toBoolean(right);
  return left === right;
}

function lookup(target: Value, key: Value): Value {
  if (target === null || typeof target !== 'object') return null;
  if (Array.isArray(target))
    return typeof key === 'number' ? (target[key] ?? null) : null;
  const wanted = toStringValue(key).toLowerCase();
  // Property and variable names are case-insensitive.
  for (const [k, v] of Object.entries(target))
    if (k.toLowerCase() === wanted) return v;
  return null;
}

/** Evaluates a parsed expression. Names and functions outside the supported set throw. */
export function evaluate(node: Node, ctx: ExpressionContext): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name': {
      const found = lookup(ctx.named as Value, node.name);
      if (
        found === null &&
        !Object.keys(ctx.named).some(
          k => k.toLowerCase() === node.name.toLowerCase(),
        )
      ) {
        throw new Error(`unknown name ${node.name}`);
      }
      return found;
    }
    case 'index': {
      const target = evaluate(node.target, ctx);
      const key = evaluate(node.key, ctx);
      // A property of a filtered array (`job.steps.*.task.id`) maps over its items.
      if (
        Array.isArray(target) &&
        typeof key === 'string' &&
        isFiltered(node.target)
      ) {
        return target.map(item => lookup(item, key));
      }
      return lookup(target, key);
    }
    case 'wildcard': {
      const target = evaluate(node.target, ctx);
      if (Array.isArray(target)) return target;
      if (target && typeof target === 'object') return Object.values(target);
      return [];
    }
    case 'call':
      return call(node.name, node.args, ctx);
  }
}

function isFiltered(node: Node): boolean {
  if (node.kind === 'wildcard') return true;
  if (node.kind === 'index') return isFiltered(node.target);
  return false;
}

function call(name: string, args: Node[], ctx: ExpressionContext): Value {
  const value = (i: number) => evaluate(args[i], ctx);
  const all = () => args.map((_, i) => value(i));
  const status = ctx.jobStatus ?? 'Succeeded';
  switch (name.toLowerCase()) {
    case 'and':
      return args.every((_, i) => toBoolean(value(i)));
    case 'or':
      return args.some((_, i) => toBoolean(value(i)));
    case 'not':
      return !toBoolean(value(0));
    case 'eq':
      return looseEquals(value(0), value(1));
    case 'ne':
      return !looseEquals(value(0), value(1));
    case 'in': {
      const [first, ...rest] = all();
      return rest.some(r => looseEquals(first, r));
    }
    case 'notin': {
      const [first, ...rest] = all();
      return !rest.some(r => looseEquals(first, r));
    }
    case 'startswith':
      return toStringValue(value(0))
        .toLowerCase()
        .startsWith(toStringValue(value(1)).toLowerCase());
    case 'endswith':
      return toStringValue(value(0))
        .toLowerCase()
        .endsWith(toStringValue(value(1)).toLowerCase());
    case 'contains':
      return toStringValue(value(0))
        .toLowerCase()
        .includes(toStringValue(value(1)).toLowerCase());
    case 'coalesce':
      for (let i = 0; i < args.length; i++) {
        const v = value(i);
        if (v !== null && v !== '') return v;
      }
      return null;
    case 'containsvalue': {
      const collection = value(0);
      const needle = value(1);
      const items = Array.isArray(collection)
        ? collection
        : collection && typeof collection === 'object'
          ? Object.values(collection)
          : [];
      return items.some(item => looseEquals(item, needle));
    }
    case 'lower':
      return toStringValue(value(0)).toLowerCase();
    case 'upper':
      return toStringValue(value(0)).toUpperCase();
    case 'always':
      return true;
    case 'succeeded':
      return status === 'Succeeded' || status === 'SucceededWithIssues';
    case 'failed':
      return status === 'Failed';
    case 'canceled':
      return status === 'Canceled';
    case 'succeededorfailed':
      return status !== 'Canceled';
    default:
      throw new Error(`the evaluator does not know the function ${name}()`);
  }
}

/** Parses and evaluates `source` to a boolean, as a `condition:` or `${{ if }}` is. */
export function evaluateCondition(
  source: string,
  ctx: ExpressionContext,
): boolean {
  return toBoolean(evaluate(parseExpression(source), ctx));
}

/** Replaces each `${{ expr }}` inside a string with its value (template expansion). */
export function expandTemplateString(
  text: string,
  ctx: ExpressionContext,
): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, expr: string) =>
    toStringValue(evaluate(parseExpression(expr), ctx)),
  );
}

/** Replaces each `$(Name)` macro with its variable's value; unknown macros stay as written, as the agent does. */
export function expandMacros(
  text: string,
  variables: Record<string, string>,
): string {
  return text.replace(/\$\(([\w.\-]+)\)/g, (whole, name: string) => {
    const key = Object.keys(variables).find(
      k => k.toLowerCase() === name.toLowerCase(),
    );
    return key === undefined ? whole : variables[key];
  });
}
