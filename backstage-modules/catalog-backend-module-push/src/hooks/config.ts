import type { Config } from '@backstage/config';

/** `stagedoor.hooks`, read once at start-up. */
export interface HooksConfig {
  basicAuth?: { username: string; password: string };
  header?: { name: string; value: string };
  maxBodyBytes: number;
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
  return {
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
