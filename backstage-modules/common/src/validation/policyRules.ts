import type { Entity } from '@backstage/catalog-model';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { CatalogVerdict, PathProblem } from './catalogRules';
import { resolveRepoPath } from './extraRules';
import { dotted, readableSchemaErrors } from './messages';
import type { CustomKind, ValidateOptions, ValidationPolicy } from './types';

/**
 * The organisation's rules of a {@link ValidationPolicy} that go beyond lists: extra JSON
 * Schemas per kind and type, allowed types, custom kinds and Group owners. Pure: the same
 * code (and so the same messages) runs in the validate task, the CLI and the push route.
 */

/** The rule ids of the organisation's rules; errors unless the policy's `rules` lower them. */
export const POLICY_RULES = [
  'policy/schema',
  'policy/type',
  'policy/kind-schema',
  'policy/owner',
] as const;

interface CompiledPolicy {
  schemas: {
    kind?: string;
    type?: string;
    description?: string;
    validate: ValidateFunction;
  }[];
  customKinds: { kind: CustomKind; validate?: ValidateFunction }[];
}

const compiled = new WeakMap<ValidationPolicy, CompiledPolicy>();

/**
 * Compiles the policy's schemas once per policy object. Throws an Error naming the schema
 * when one is not a valid JSON Schema (callers report it as bad configuration).
 */
export function compilePolicy(policy: ValidationPolicy): CompiledPolicy {
  const done = compiled.get(policy);
  if (done) return done;
  const ajv = new Ajv({
    allErrors: true,
    allowUnionTypes: true,
    strict: false,
  });
  const compile = (schema: object, where: string) => {
    try {
      return ajv.compile(schema);
    } catch (e) {
      throw new Error(
        `${where} is not a valid JSON Schema: ${(e as Error).message}`,
      );
    }
  };
  const out: CompiledPolicy = {
    schemas: (policy.schemas ?? []).map((s, i) => ({
      kind: s.kind?.toLowerCase(),
      type: s.type?.toLowerCase(),
      description: s.description,
      validate: compile(s.schema, `schemas[${i}].schema`),
    })),
    customKinds: (policy.customKinds ?? []).map((k, i) => ({
      kind: k,
      validate: k.schema
        ? compile(k.schema, `customKinds[${i}].schema`)
        : undefined,
    })),
  };
  compiled.set(policy, out);
  return out;
}

/**
 * The answer of the policy's custom kinds for an entity no catalog kind validator accepts:
 * undefined when none declares it, else its schema errors (none: valid).
 */
export function checkCustomKind(
  policy: ValidationPolicy | undefined,
  entity: Entity,
): ErrorObject[] | undefined {
  if (!policy?.customKinds?.length) return undefined;
  const found = compilePolicy(policy).customKinds.find(
    c =>
      c.kind.kind.toLowerCase() === entity.kind.toLowerCase() &&
      (c.kind.apiVersion === undefined ||
        c.kind.apiVersion === entity.apiVersion),
  );
  if (!found) return undefined;
  if (!found.validate || found.validate(entity)) return [];
  return found.validate.errors ?? [];
}

/** Reads what a placeholder stands for; undefined when it cannot be read here. */
function readPlaceholder(
  file: string,
  resolver: 'text' | 'json' | 'yaml',
  target: string,
  options: ValidateOptions,
): { value: unknown } | undefined {
  if (!options.readFile || /^[a-z][a-z0-9+.-]*:\/\//i.test(target))
    return undefined;
  const path = resolveRepoPath(file, target);
  if (path === null) return undefined;
  const text = options.readFile(path);
  if (text === undefined) return undefined;
  try {
    if (resolver === 'text') return { value: text };
    if (resolver === 'json') return { value: JSON.parse(text) };
    return { value: parseYaml(text) };
  } catch {
    return undefined;
  }
}

const startsWith = (
  path: readonly (string | number)[],
  prefix: readonly (string | number)[],
) => prefix.every((p, i) => path[i] === p);

/**
 * The entity as the catalog will see it: placeholders replaced by what they read where the
 * file is readable. `unknown` lists the paths of those that are not: nothing under them is
 * reported.
 */
function substituted(
  file: string,
  verdict: CatalogVerdict,
  options: ValidateOptions,
): { entity: Entity; unknown: (string | number)[][] } {
  const entity = verdict.entity!;
  if (verdict.placeholders.length === 0) return { entity, unknown: [] };
  const copy = structuredClone(entity) as unknown as Record<string, unknown>;
  const unknown: (string | number)[][] = [];
  for (const p of verdict.placeholders) {
    const at = p.path.slice(0, -1);
    const read = readPlaceholder(file, p.resolver, p.target, options);
    if (!read) {
      unknown.push(at);
      continue;
    }
    let parent: unknown = copy;
    for (const seg of at.slice(0, -1))
      parent = (parent as Record<string | number, unknown> | undefined)?.[seg];
    if (parent && typeof parent === 'object')
      (parent as Record<string | number, unknown>)[at[at.length - 1]] =
        read.value;
  }
  return { entity: copy as unknown as Entity, unknown };
}

/** Runs the organisation's rules that need only this document. */
export function checkPolicyRules(
  file: string,
  verdict: CatalogVerdict,
  options: ValidateOptions,
): PathProblem[] {
  const policy = options.policy;
  if (!policy || !verdict.entity) return [];
  const out: PathProblem[] = [];
  const { entity, unknown } = substituted(file, verdict, options);
  const hidden = (path: readonly (string | number)[]) =>
    unknown.some(u => startsWith(path, u));
  const kind = entity.kind.toLowerCase();
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const type = typeof spec.type === 'string' ? spec.type : undefined;

  const allowed = Object.entries(policy.allowedTypes ?? {}).find(
    ([k]) => k.toLowerCase() === kind,
  )?.[1];
  if (
    allowed?.length &&
    type !== undefined &&
    !allowed.some(t => t.toLowerCase() === type.toLowerCase())
  ) {
    out.push({
      path: ['spec', 'type'],
      rule: 'policy/type',
      message: `Type "${type}" is not allowed for a ${entity.kind} by the policy; use one of ${allowed.join(', ')}.`,
    });
  }

  for (const s of compilePolicy(policy).schemas) {
    if (s.kind && s.kind !== kind) continue;
    if (s.type && s.type !== type?.toLowerCase()) continue;
    if (s.validate(entity as unknown)) continue;
    const what = `a ${entity.kind}${s.type ? ` of type ${type}` : ''} by the policy`;
    for (const e of readableSchemaErrors(s.validate.errors ?? [], entity, what))
      if (!hidden(e.path)) {
        out.push({
          path: e.path,
          key: e.key,
          rule: 'policy/schema',
          message: s.description
            ? `${e.message} (${s.description})`
            : e.message,
        });
      }
  }

  if (policy.ownerMustBeGroup) {
    for (const r of verdict.references) {
      if (r.path[0] !== 'spec' || r.path[1] !== 'owner') continue;
      if (!r.ref.startsWith('group:')) {
        out.push({
          path: r.path,
          rule: 'policy/owner',
          message: `${dotted(r.path)} "${r.written}" is not a Group, and the policy wants every owner to be a Group; name a group, e.g. group:team-a.`,
        });
      }
    }
  }
  return out;
}

/** The message of `policy/owner` for an owner that exists nowhere. */
export function missingOwnerMessage(
  path: readonly (string | number)[],
  ref: string,
  liveChecked: boolean,
): string {
  const where = liveChecked
    ? 'neither in these files nor in the catalog'
    : 'in none of these files';
  return `${dotted(path)} refers to ${ref}, which is defined ${where}, and the policy wants every owner to be an existing Group; check the name or create the group.`;
}
