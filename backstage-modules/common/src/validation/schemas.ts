import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import apiSchema from './schemas/API.v1alpha1.schema.json';
import componentSchema from './schemas/Component.v1alpha1.schema.json';
import domainSchema from './schemas/Domain.v1alpha1.schema.json';
import groupSchema from './schemas/Group.v1alpha1.schema.json';
import locationSchema from './schemas/Location.v1alpha1.schema.json';
import resourceSchema from './schemas/Resource.v1alpha1.schema.json';
import systemSchema from './schemas/System.v1alpha1.schema.json';
import userSchema from './schemas/User.v1alpha1.schema.json';
import templateSchema from './schemas/Template.v1beta3.schema.json';
import entitySchema from './schemas/Entity.schema.json';
import envelopeSchema from './schemas/EntityEnvelope.schema.json';
import metaSchema from './schemas/EntityMeta.schema.json';
import commonSchema from './schemas/common.schema.json';

/*
 * The JSON schemas below are byte-for-byte copies of the ones @backstage/catalog-model 1.10.1
 * and @backstage/plugin-scaffolder-common 2.4.0 compile internally (neither package exports
 * them); test/common/validation/schemas.test.ts fails if the installed packages drift.
 * They are compiled with the same Ajv options as catalog-model's `compileAjvSchema`, once per
 * process, lazily, so the verdicts are the catalog's own.
 */

/** The kinds a default catalog (plus the scaffolder entity model module) understands, in its order. */
export const KIND_SCHEMAS = [
  { name: 'API', schema: apiSchema },
  { name: 'Component', schema: componentSchema },
  { name: 'Resource', schema: resourceSchema },
  { name: 'Group', schema: groupSchema },
  { name: 'Location', schema: locationSchema },
  { name: 'User', schema: userSchema },
  { name: 'System', schema: systemSchema },
  { name: 'Domain', schema: domainSchema },
  { name: 'Template', schema: templateSchema },
] as const;

export interface CompiledSchemas {
  envelope: ValidateFunction;
  entity: ValidateFunction;
  /** `kinds`: the values the schema's `kind` enum allows; undefined when it has none. */
  kinds: {
    name: string;
    /** Compiled on first use: a repository of Components never pays for the Template schema. */
    validate: () => ValidateFunction;
    kinds?: readonly string[];
  }[];
}

/** The `kind` enum of a kind schema (`allOf[1].properties.kind.enum`). */
function kindEnum(schema: any): string[] | undefined {
  for (const part of schema?.allOf ?? []) {
    const e = part?.properties?.kind?.enum;
    if (Array.isArray(e)) return e;
  }
  return undefined;
}

let compiled: CompiledSchemas | undefined;

/** Compiles every schema once per process. */
export function schemas(): CompiledSchemas {
  if (compiled) return compiled;
  const ajv = new Ajv({
    allowUnionTypes: true,
    allErrors: true,
    validateSchema: true,
  });
  ajv.addSchema(
    [envelopeSchema, entitySchema, metaSchema, commonSchema] as object[],
    undefined,
    undefined,
    true,
  );
  compiled = {
    envelope: ajv.getSchema('EntityEnvelope')!,
    entity: ajv.getSchema('Entity')!,
    kinds: KIND_SCHEMAS.map(k => {
      let fn: ValidateFunction | undefined;
      return {
        name: k.name,
        validate: () => (fn ??= ajv.compile(k.schema as object)),
        kinds: kindEnum(k.schema),
      };
    }),
  };
  return compiled;
}

export type KindVerdict =
  | { recognized: false }
  | { recognized: true; errors: ErrorObject[]; kind: string };

/**
 * What the catalog's kind validators (BuiltinKindsEntityProcessor, ScaffolderEntitiesProcessor)
 * say about an entity: no validator recognises it (foreign kind or apiVersion), or one does
 * and it has these schema errors (none: valid). Mirrors catalog-model's
 * `entityKindSchemaValidator`: errors that are only `enum` misses on /kind or /apiVersion
 * mean "not my kind".
 */
export function checkKind(entity: { kind: string }): KindVerdict {
  for (const { name, validate: compiledValidator, kinds } of schemas().kinds) {
    // A validator whose kind enum misses this kind always answers "not mine" (an enum error on
    // /kind); skipping it saves running a schema that must fail, with the same verdict.
    if (kinds && !kinds.includes(entity.kind)) continue;
    const validate = compiledValidator();
    if (validate(entity)) return { recognized: true, errors: [], kind: name };
    const errors = validate.errors ?? [];
    const soft = errors.filter(
      e => e.instancePath === '/kind' || e.instancePath === '/apiVersion',
    );
    if (soft.length && soft.every(e => e.keyword === 'enum')) continue;
    return { recognized: true, errors, kind: name };
  }
  return { recognized: false };
}
