import {
  CommonValidatorFunctions,
  Entity,
  makeValidator,
  parseEntityRef,
} from '@backstage/catalog-model';
import { dotted, readableSchemaErrors } from './messages';
import { checkCustomKind } from './policyRules';
import { checkKind, schemas } from './schemas';
import type { ValidationPolicy } from './types';

/**
 * The rules a real catalog applies when it processes one entity (what
 * `POST /api/catalog/validate-entity` answers), in the catalog's own order:
 * envelope → placeholders → entity policies (schema, default namespace, no foreign root
 * fields, field formats) → kind validators → location type → relations. Each step stops the
 * catalog at its first failure. This reports every problem whose check does not depend on an
 * earlier one: it stops only where a later step would read what an earlier one found broken
 * (the envelope, placeholders, the entity's shape, the kind's spec), so a bad tag and a missing
 * spec.lifecycle are both reported in one run. The verdict is the catalog's either way: any
 * problem means the catalog rejects the entity.
 */

export interface PathProblem {
  path: (string | number)[];
  key?: boolean;
  rule: string;
  message: string;
}

/** A reference from one entity to another, as the catalog turns it into a relation. */
export interface EntityReference {
  path: (string | number)[];
  /** As written, e.g. `team-payments` or `group:payments`. */
  written: string;
  /** Full ref, lower-cased. */
  ref: string;
  name: string;
  namespace: string;
}

/** A `$text` / `$json` / `$yaml` placeholder the catalog would resolve by reading a file. */
export interface Placeholder {
  path: (string | number)[];
  resolver: 'text' | 'json' | 'yaml';
  target: string;
}

export interface CatalogVerdict {
  problems: PathProblem[];
  /** Set once the envelope is valid (even when later steps fail). */
  entity?: Entity;
  ref?: string;
  references: EntityReference[];
  placeholders: Placeholder[];
  /**
   * Every step ran on a well-shaped entity (the entity and kind schemas passed): rules that read
   * the entity's fields (extra rules, policies) can run without reporting cascades.
   */
  complete: boolean;
}

const validators = makeValidator();
const KNOWN_ROOT_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec'];
const DOCS =
  'see https://backstage.io/docs/features/software-catalog/descriptor-format';

/** Relation fields per kind with the default kind of their targets, as the catalog's processors read them. */
const RELATION_FIELDS: Record<string, [string, string | undefined][]> = {
  Component: [
    ['owner', 'Group'],
    ['subcomponentOf', 'Component'],
    ['providesApis', 'API'],
    ['consumesApis', 'API'],
    ['dependsOn', undefined],
    ['dependencyOf', undefined],
    ['system', 'System'],
  ],
  API: [
    ['owner', 'Group'],
    ['system', 'System'],
  ],
  Resource: [
    ['owner', 'Group'],
    ['dependsOn', undefined],
    ['dependencyOf', undefined],
    ['system', 'System'],
  ],
  User: [['memberOf', 'Group']],
  Group: [
    ['parent', 'Group'],
    ['children', 'Group'],
    ['members', 'User'],
  ],
  System: [
    ['owner', 'Group'],
    ['domain', 'Domain'],
  ],
  Domain: [
    ['owner', 'Group'],
    ['subdomainOf', 'Domain'],
  ],
  Template: [['owner', 'Group']],
};

const NAME_RULE =
  "names may contain letters, digits, '-', '_' and '.', must start and end with a letter or digit, and have at most 63 characters";
const NAMESPACE_RULE =
  "namespaces are lower-case letters, digits and '-', at most 63 characters";

/** Mirrors the catalog's PlaceholderProcessor: what each placeholder would become once read. */
function resolvePlaceholders(
  data: unknown,
  path: (string | number)[],
  found: Placeholder[],
  problems: PathProblem[],
): unknown {
  if (!data || typeof data !== 'object') return data;
  if (Array.isArray(data))
    return data.map((item, i) =>
      resolvePlaceholders(item, [...path, i], found, problems),
    );
  const obj = data as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (!keys.some(k => k.startsWith('$'))) {
    const out: Record<string, unknown> = {};
    for (const k of keys)
      out[k] = resolvePlaceholders(obj[k], [...path, k], found, problems);
    return out;
  }
  if (keys.length !== 1) return data;
  const resolver = keys[0].slice(1);
  if (resolver !== 'text' && resolver !== 'json' && resolver !== 'yaml')
    return data;
  const target = obj[keys[0]];
  if (typeof target !== 'string') {
    problems.push({
      path: [...path, keys[0]],
      rule: 'catalog/placeholder',
      message: `Placeholder $${resolver} needs a string: a relative path or an absolute URL of the file to read.`,
    });
    return data;
  }
  found.push({ path: [...path, keys[0]], resolver, target });
  // The file's content is not known here; what matters for the schemas is its type.
  return resolver === 'text' ? 'placeholder' : {};
}

/** Whether any map in `data` has a `$` key (iterative: no allocation per node). */
function hasPlaceholderKey(data: unknown): boolean {
  const stack: unknown[] = [data];
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    for (const k in v as Record<string, unknown>) {
      if (k.charCodeAt(0) === 36) return true;
      stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
}

function fieldFormat(entity: Entity): PathProblem[] {
  const out: PathProblem[] = [];
  const bad = (path: (string | number)[], message: string, key = false) =>
    out.push({ path, key, rule: 'catalog/field-format', message });
  const m = entity.metadata;
  if (!validators.isValidApiVersion(entity.apiVersion)) {
    bad(
      ['apiVersion'],
      `apiVersion "${entity.apiVersion}" is not valid; write it as group/version, e.g. backstage.io/v1alpha1.`,
    );
  }
  if (!validators.isValidKind(entity.kind)) {
    bad(
      ['kind'],
      `kind "${entity.kind}" is not valid: a kind is a letter followed by letters and digits, at most 63 characters.`,
    );
  }
  if (!validators.isValidEntityName(m.name)) {
    bad(
      ['metadata', 'name'],
      `metadata.name "${m.name}" is not a valid name: ${NAME_RULE}.`,
    );
  }
  if (m.namespace !== undefined && !validators.isValidNamespace(m.namespace)) {
    bad(
      ['metadata', 'namespace'],
      `metadata.namespace "${m.namespace}" is not valid: ${NAMESPACE_RULE}.`,
    );
  }
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    if (!validators.isValidLabelKey(k)) {
      bad(
        ['metadata', 'labels', k],
        `Label key "${k}" is not valid: use an optional DNS prefix and a name, e.g. example.com/tier.`,
        true,
      );
    } else if (!validators.isValidLabelValue(v)) {
      bad(
        ['metadata', 'labels', k],
        `Label ${k} has the value "${v}", which is not valid: ${NAME_RULE}.`,
      );
    }
  }
  for (const [k, v] of Object.entries(m.annotations ?? {})) {
    if (!validators.isValidAnnotationKey(k)) {
      bad(
        ['metadata', 'annotations', k],
        `Annotation key "${k}" is not valid: use an optional DNS prefix and a name, e.g. backstage.io/techdocs-ref.`,
        true,
      );
    } else if (!validators.isValidAnnotationValue(v)) {
      bad(
        ['metadata', 'annotations', k],
        `Annotation ${k} must be a string; quote the value.`,
      );
    }
  }
  (m.tags ?? []).forEach((tag, i) => {
    if (!validators.isValidTag(tag)) {
      bad(
        ['metadata', 'tags', i],
        `Tag "${tag}" is not valid: tags are lower-case letters, digits, '+' and '#', separated by '-', at most 63 characters.`,
      );
    }
  });
  (m.links ?? []).forEach((link, i) => {
    if (!CommonValidatorFunctions.isValidUrl(link?.url)) {
      bad(
        ['metadata', 'links', i, 'url'],
        `metadata.links[${i}].url "${link?.url}" is not a valid URL; write a full URL such as https://example.com.`,
      );
    }
    for (const f of ['title', 'icon'] as const) {
      if (
        link?.[f] !== undefined &&
        !CommonValidatorFunctions.isNonEmptyString(link[f])
      ) {
        bad(
          ['metadata', 'links', i, f],
          `metadata.links[${i}].${f} must be a non-empty string.`,
        );
      }
    }
  });
  return out;
}

function relations(entity: Entity, out: CatalogVerdict) {
  const isTemplate =
    entity.kind === 'Template' &&
    entity.apiVersion === 'scaffolder.backstage.io/v1beta3';
  const fields = isTemplate
    ? RELATION_FIELDS.Template
    : RELATION_FIELDS[entity.kind];
  if (!fields || (entity.kind === 'Template' && !isTemplate)) return;
  const namespace = entity.metadata.namespace ?? 'default';
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  for (const [field, defaultKind] of fields) {
    const value = spec[field];
    if (value === undefined || value === null || value === '') continue;
    const list = Array.isArray(value) ? value : [value];
    list.forEach((target, i) => {
      const path = Array.isArray(value) ? ['spec', field, i] : ['spec', field];
      try {
        const r = parseEntityRef(target as string, {
          defaultKind,
          defaultNamespace: namespace,
        });
        out.references.push({
          path,
          written: String(target),
          ref: `${r.kind}:${r.namespace}/${r.name}`.toLowerCase(),
          name: r.name,
          namespace: r.namespace,
        });
      } catch (e) {
        const needsKind = !defaultKind
          ? ` ${dotted(path)} has no default kind, so write the kind too, e.g. component:${String(target)}.`
          : '';
        out.problems.push({
          path,
          rule: 'catalog/invalid-ref',
          message: `${dotted(path)} "${String(target)}" is not a valid entity reference (${(e as Error).message}).${needsKind}`,
        });
      }
    });
  }
}

/**
 * Runs the catalog's own rules on one parsed document. A `policy` with custom kinds stands in
 * for the organisation's own kind processors: their kinds are checked against their schemas
 * instead of being unknown.
 */
export function checkWithCatalogRules(
  value: unknown,
  policy?: ValidationPolicy,
): CatalogVerdict {
  const out: CatalogVerdict = {
    problems: [],
    references: [],
    placeholders: [],
    complete: false,
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    out.problems.push({
      path: [],
      rule: 'entity/not-an-object',
      message: `A catalog document must be a map with apiVersion, kind, metadata and spec, not ${
        Array.isArray(value) ? 'a list' : `a ${typeof value}`
      }.`,
    });
    return out;
  }
  const doc = value as Record<string, unknown>;
  if (!('apiVersion' in doc) && !('kind' in doc) && !('metadata' in doc)) {
    out.problems.push({
      path: [],
      rule: 'entity/not-an-entity',
      message:
        'This document is not a Backstage entity (it has no apiVersion, kind or metadata); fix the file or exclude it from the file patterns.',
    });
    return out;
  }
  const s = schemas();
  if (!s.envelope(doc)) {
    for (const e of readableSchemaErrors(
      s.envelope.errors ?? [],
      doc,
      'an entity',
    )) {
      out.problems.push({ ...e, rule: 'catalog/envelope' });
    }
    return out;
  }
  const original = doc as unknown as Entity;
  out.entity = original;
  out.ref =
    `${original.kind}:${original.metadata.namespace ?? 'default'}/${original.metadata.name}`.toLowerCase();

  // Most entities have no placeholder: only copy the document when one is there.
  const resolved = (
    hasPlaceholderKey(doc)
      ? resolvePlaceholders(doc, [], out.placeholders, out.problems)
      : doc
  ) as Entity;
  if (out.problems.length) return out;

  if (!s.entity(resolved)) {
    for (const e of readableSchemaErrors(
      s.entity.errors ?? [],
      resolved,
      'an entity',
    )) {
      out.problems.push({ ...e, rule: 'catalog/schema' });
    }
    return out;
  }
  const entity: Entity = resolved.metadata.namespace
    ? resolved
    : { ...resolved, metadata: { ...resolved.metadata, namespace: 'default' } };
  for (const field of Object.keys(entity)) {
    if (!KNOWN_ROOT_FIELDS.includes(field)) {
      out.problems.push({
        path: [field],
        key: true,
        rule: 'catalog/unknown-root-field',
        message: `"${field}" is not allowed at the top of an entity (only apiVersion, kind, metadata and spec); move it under spec or remove it.`,
      });
    }
  }
  const formats = fieldFormat(entity);
  out.problems.push(...formats);
  // The kind validators are chosen by apiVersion and kind: a malformed one cannot match any.
  if (formats.some(p => p.path[0] === 'apiVersion' || p.path[0] === 'kind'))
    return out;

  const kind = checkKind(entity);
  const custom = kind.recognized ? undefined : checkCustomKind(policy, entity);
  if (custom) {
    for (const e of readableSchemaErrors(
      custom,
      entity,
      `a ${entity.kind} by the policy`,
    )) {
      out.problems.push({ ...e, rule: 'policy/kind-schema' });
    }
    out.complete = custom.length === 0;
    return out;
  }
  if (!kind.recognized) {
    out.problems.push({
      path: ['kind'],
      rule: 'catalog/unknown-kind',
      message: `No catalog kind validator accepts kind "${entity.kind}" with apiVersion "${entity.apiVersion}": use one of Component, API, Resource, System, Domain, Group, User, Location (backstage.io/v1alpha1) or Template (scaffolder.backstage.io/v1beta3); ${DOCS}.`,
    });
    return out;
  }
  if (kind.errors.length) {
    for (const e of readableSchemaErrors(
      kind.errors,
      entity,
      `a ${kind.kind}`,
    )) {
      out.problems.push({ ...e, rule: 'catalog/kind-schema' });
    }
    return out;
  }
  if (entity.kind === 'Location') {
    const type = (entity.spec as { type?: string } | undefined)?.type;
    // The catalog only allows `url` locations (its default allowedLocationTypes) below a url location.
    if (type !== undefined && type !== 'url') {
      out.problems.push({
        path: ['spec', 'type'],
        rule: 'catalog/location-type',
        message: `Location type "${type}" is not allowed by the catalog; use type url (the default) with a relative or absolute target.`,
      });
      return out;
    }
  }
  relations(entity, out);
  // References default to the entity's namespace: with a malformed one, every reference
  // would look malformed too (no cascade of ref/invalid-name).
  out.complete = !out.problems.some(
    p => p.path[0] === 'metadata' && p.path[1] === 'namespace',
  );
  return out;
}
