import { parse } from 'yaml';
import { z } from 'zod';
import type { ValidationPolicy } from './types';

const level = z.enum(['error', 'warning', 'off']);
const list = z.array(z.string().min(1));

/** `.stagedoor.yaml`: validation settings live under `validate:` so other tools can share the file. */
const policyFileSchema = z
  .object({
    validate: z
      .object({
        strict: z.boolean().optional(),
        allowedKinds: list.optional(),
        allowedLifecycles: list.optional(),
        requiredTags: list.optional(),
        requiredAnnotations: list.optional(),
        rules: z.record(z.string(), level).optional(),
      })
      .strict()
      .optional(),
  })
  .passthrough();

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
  return { policy, strict };
}
