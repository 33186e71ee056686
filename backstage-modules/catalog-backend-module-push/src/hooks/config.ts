import type { HumanDuration } from '@backstage/types';
import { type Config, readDurationFromConfig } from '@backstage/config';

/** `stagedoor.hooks`, read once at start-up. */
export interface HooksConfig {
  basicAuth?: { username: string; password: string };
  header?: { name: string; value: string };
  maxBodyBytes: number;
  /** Disabled or deleted repositories: entities removed (default) or kept and labelled. */
  onRepositoryGone: 'remove' | 'mark';
  /** How long accepted event ids are kept (redeliveries within it change nothing). */
  deliveryRetention: HumanDuration;
  /** How often the ids older than that are pruned. */
  pruneFrequency: HumanDuration;
}

/**
 * Reads `stagedoor.hooks`; undefined when absent or `enabled: false`. At least one
 * credential (basic auth or a header secret) is required: the route is open to
 * Backstage's own auth, so the credential is all that guards it.
 */
export function readHooksConfig(root: Config): HooksConfig | undefined {
  const config = root.getOptionalConfig('stagedoor.hooks');
  if (!config || config.getOptionalBoolean('enabled') === false)
    return undefined;
  const basic = config.getOptionalConfig('basicAuth');
  const header = config.getOptionalConfig('header');
  if (!basic && !header) {
    throw new Error(
      'Invalid config: stagedoor.hooks needs basicAuth (username, password) or header (name, value): the credentials set on the Azure DevOps web hook subscriptions',
    );
  }
  const maxBodyBytes = config.getOptionalNumber('maxBodyBytes') ?? 1_000_000;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new Error(
      `Invalid config: stagedoor.hooks.maxBodyBytes must be a positive integer, got ${maxBodyBytes}`,
    );
  }
  const nonEmpty = (c: Config, key: string, path: string) => {
    const value = c.getString(key);
    if (!value)
      throw new Error(`Invalid config: stagedoor.hooks.${path} is empty`);
    return value;
  };
  const onRepositoryGone =
    config.getOptionalString('onRepositoryGone') ?? 'remove';
  if (onRepositoryGone !== 'remove' && onRepositoryGone !== 'mark') {
    throw new Error(
      `Invalid config: stagedoor.hooks.onRepositoryGone must be remove or mark, got ${onRepositoryGone}`,
    );
  }
  const duration = (key: string, fallback: HumanDuration) =>
    config.has(key) ? readDurationFromConfig(config, { key }) : fallback;
  return {
    onRepositoryGone,
    deliveryRetention: duration('deliveryRetention', { days: 7 }),
    pruneFrequency: duration('pruneFrequency', { hours: 1 }),
    basicAuth: basic && {
      username: nonEmpty(basic, 'username', 'basicAuth.username'),
      password: nonEmpty(basic, 'password', 'basicAuth.password'),
    },
    header: header && {
      name: nonEmpty(header, 'name', 'header.name').toLowerCase(),
      value: nonEmpty(header, 'value', 'header.value'),
    },
    maxBodyBytes,
  };
}
