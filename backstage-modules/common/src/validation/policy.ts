import { parse } from 'yaml';
import { z } from 'zod';
import { compilePolicy } from './policyRules';
import type { ValidationPolicy } from './types';

const level = z.enum(['error', 'warning', 'off']);
const list = z.array(z.string().min(1));
const jsonSchema = z.record(z.string(), z.unknown());

/** The policy's keys, shared by `.stagedoor.yaml` (`validate:`) and Backstage config (`stagedoor.policy`). */
const policyShape = {
  allowedKinds: list.optional(),
  allowedLifecycles: list.optional(),
  requiredTags: list.optional(),
  requiredAnnotations: list.optional(),
  allowedTypes: z.record(z.string(), list).optional(),
  schemas: z
    .array(
      z
        .object({
          kind: z.string().min(1).optional(),
          type: z.string().min(1).optional(),
          description: z.string().optional(),
          schema: jsonSchema,
        })
        .strict(),
    )
    .optional(),
  customKinds: z
    .array(
      z
        .object({
          kind: z.string().min(1),
          apiVersion: z.string().min(1).optional(),
          schema: jsonSchema.optional(),
        })
        .strict(),
    )
    .optional(),
  ownerMustBeGroup: z.boolean().optional(),
  rules: z.record(z.string(), level).optional(),
};

/** `.stagedoor.yaml`: validation settings live under `validate:` so other tools can share the file. */
const policyFileSchema = z
  .object({
    validate: z
      .object({ strict: z.boolean().optional(), ...policyShape })
      .strict()
      .optional(),
  })
  .passthrough();

const policySchema = z.object(policyShape).strict();

function checked(policy: ValidationPolicy, where: string): ValidationPolicy {
  try {
    compilePolicy(policy);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  return policy;
}

/**
 * Reads a policy given as data, e.g. Backstage config's `stagedoor.policy` or the body of the
 * catalog module's policy route. Throws an Error naming `where` and the offending key.
 *
 * @public
 */
export function parsePolicy(data: unknown, where: string): ValidationPolicy {
  const result = policySchema.safeParse(data ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `${where}: ${issue.path.join('.') || 'the policy'}: ${issue.message}`,
    );
  }
  return checked(result.data as ValidationPolicy, where);
}

/** What a policy file says: the team rules and whether warnings count as errors. */
export interface PolicyFile {
  policy: ValidationPolicy;
  strict?: boolean;
}

/**
 * Parses the text of a `.stagedoor.yaml` policy file. Throws an Error whose message names the
 * file and the offending key, for the caller to report as bad input.
 */
export function parsePolicyFile(
  text: string,
  fileName = '.stagedoor.yaml',
): PolicyFile {
  let data: unknown;
  try {
    data = parse(text, { uniqueKeys: true, maxAliasCount: 20 }) ?? {};
  } catch (e) {
    throw new Error(
      `${fileName} is not valid YAML: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const result = policyFileSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `${fileName}: ${issue.path.join('.') || 'the file'}: ${issue.message}`,
    );
  }
  const v = result.data.validate ?? {};
  const { strict, ...policy } = v;
  return { policy: checked(policy as ValidationPolicy, fileName), strict };
}
