import type { Config } from '@backstage/config';
import { readDurationFromConfig } from '@backstage/config';
import type { HumanDuration } from '@backstage/types';
import { parsePolicy, type ValidationPolicy } from '@stagedoor/common';

/** One authorization rule of `stagedoor.push.rules`. */
export interface PushRule {
  principals: string[];
  sources: string[];
  /** Allowed kinds, lower-cased; `undefined` means every kind. */
  kinds?: Set<string>;
  /** Kinds never allowed by this rule, lower-cased (the default excludes User and Group). */
  deniedKinds: Set<string>;
  maxEntities: number;
  maxBytes: number;
  /** The branch (short name, e.g. `main`) pushes must come from; any branch when undefined. */
  branch?: string;
  /** Accept pushes from other branches than `branch` (or than a repository's existing source). */
  previewBranches: boolean;
}

/** The module's configuration, read once at start-up. */
export interface PushConfig {
  maxBodyBytes: number;
  rules: PushRule[];
  reconcileFrequency: HumanDuration;
  maxConcurrentPushes: number;
  /** Per-principal limit on `POST /push`; none when undefined. */
  rateLimit?: { requestsPerMinute: number };
  /** The organisation's validation policy (`stagedoor.policy`), enforced on every push. */
  policy?: ValidationPolicy;
}

/** Reads `stagedoor.policy`; throws at start-up naming the offending key. */
function readPolicy(root: Config): ValidationPolicy | undefined {
  if (!root.has('stagedoor.policy')) return undefined;
  try {
    return parsePolicy(root.get('stagedoor.policy'), 'stagedoor.policy');
  } catch (e) {
    throw new Error(`Invalid config: ${(e as Error).message}`);
  }
}

const DEFAULT_DENIED_KINDS = ['user', 'group'];

function positiveInt(config: Config, key: string, fallback: number): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(
      `Invalid config: ${key} must be a positive integer, got ${value}`,
    );
  }
  return value;
}

/**
 * Reads `stagedoor.push`. Throws at start-up on settings that cannot work.
 */
export function readPushConfig(root: Config): PushConfig {
  const config = root.getOptionalConfig('stagedoor.push');
  if (!config) {
    return {
      maxBodyBytes: 5 * 1024 * 1024,
      rules: [],
      reconcileFrequency: { minutes: 5 },
      maxConcurrentPushes: 4,
      policy: readPolicy(root),
    };
  }
  const rules = (config.getOptionalConfigArray('rules') ?? []).map(
    (rule, i) => {
      const where = `stagedoor.push.rules[${i}]`;
      const principals = rule.getStringArray('principals');
      if (principals.length === 0) {
        throw new Error(
          `Invalid config: ${where}.principals must name at least one principal`,
        );
      }
      const kinds = rule.getOptionalStringArray('kinds');
      const all = kinds?.includes('*');
      return {
        principals,
        sources: rule.getOptionalStringArray('sources') ?? ['**'],
        kinds:
          kinds && !all ? new Set(kinds.map(k => k.toLowerCase())) : undefined,
        deniedKinds: new Set(kinds ? [] : DEFAULT_DENIED_KINDS),
        maxEntities: positiveInt(rule, 'maxEntities', 500),
        maxBytes: positiveInt(rule, 'maxBytes', 2 * 1024 * 1024),
        branch: rule.getOptionalString('branch')?.replace(/^refs\/heads\//, ''),
        previewBranches: rule.getOptionalBoolean('previewBranches') ?? false,
      };
    },
  );
  return {
    maxBodyBytes: positiveInt(config, 'maxBodyBytes', 5 * 1024 * 1024),
    rules,
    reconcileFrequency: config.has('reconcileFrequency')
      ? readDurationFromConfig(config, { key: 'reconcileFrequency' })
      : { minutes: 5 },
    maxConcurrentPushes: positiveInt(config, 'maxConcurrentPushes', 4),
    rateLimit: config.has('rateLimit')
      ? {
          requestsPerMinute: positiveInt(
            config,
            'rateLimit.requestsPerMinute',
            60,
          ),
        }
      : undefined,
    policy: readPolicy(root),
  };
}
