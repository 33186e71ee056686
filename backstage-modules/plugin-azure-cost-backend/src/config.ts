import { readDurationFromConfig, type Config } from '@backstage/config';
import type { HumanDuration } from '@backstage/types';
import type { AzureCostType } from './types';

/** `stagedoor.azureCost`, read and checked once at start-up. */
export interface AzureCostConfig {
  source: 'azure' | 'sample';
  costType: AzureCostType;
  defaultDays: number;
  maxDays: number;
  cacheTtlMs: number;
  azure: {
    endpoint: string;
    tokenScope: string;
    defaultSubscriptionId?: string;
    tenantId?: string;
    clientId?: string;
    timeoutMs: number;
    maxRetries: number;
    maxRetryAfterMs: number;
    maxPages: number;
  };
  sample: { currency: string };
}

const KEY = 'stagedoor.azureCost';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function durationMs(duration: HumanDuration): number {
  const { years, months, weeks, days, hours, minutes, seconds, milliseconds } =
    duration;
  if (years || months) {
    throw new Error(`${KEY}: use weeks, days, hours, minutes or seconds`);
  }
  return (
    (weeks ?? 0) * 604_800_000 +
    (days ?? 0) * 86_400_000 +
    (hours ?? 0) * 3_600_000 +
    (minutes ?? 0) * 60_000 +
    (seconds ?? 0) * 1000 +
    (milliseconds ?? 0)
  );
}

function optionalDurationMs(
  config: Config | undefined,
  key: string,
  fallbackMs: number,
  path: string,
): number {
  if (!config?.has(key)) return fallbackMs;
  const ms = durationMs(readDurationFromConfig(config, { key }));
  if (ms <= 0) throw new Error(`${path}.${key} must be longer than zero`);
  return ms;
}

function positiveInteger(
  config: Config | undefined,
  key: string,
  fallback: number,
  path: string,
  min = 1,
): number {
  const value = config?.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new Error(
      `${path}.${key} must be an integer of at least ${min} (got ${value})`,
    );
  }
  return value;
}

/**
 * Reads `stagedoor.azureCost`. Throws, naming the key, on values that cannot work
 * (an unknown source or cost type, a non-https endpoint, a malformed subscription id,
 * a default period longer than the maximum).
 */
export function readAzureCostConfig(root: Config): AzureCostConfig {
  const config = root.getOptionalConfig(KEY);
  const source = config?.getOptionalString('source') ?? 'azure';
  if (source !== 'azure' && source !== 'sample') {
    throw new Error(
      `${KEY}.source must be 'azure' or 'sample' (got '${source}')`,
    );
  }
  const costType = config?.getOptionalString('costType') ?? 'ActualCost';
  if (costType !== 'ActualCost' && costType !== 'AmortizedCost') {
    throw new Error(
      `${KEY}.costType must be 'ActualCost' or 'AmortizedCost' (got '${costType}')`,
    );
  }
  const maxDays = positiveInteger(config, 'maxDays', 92, KEY);
  const defaultDays = positiveInteger(config, 'defaultDays', 30, KEY);
  if (defaultDays > maxDays) {
    throw new Error(
      `${KEY}.defaultDays (${defaultDays}) is longer than ${KEY}.maxDays (${maxDays})`,
    );
  }
  const azure = config?.getOptionalConfig('azure');
  const azurePath = `${KEY}.azure`;
  const endpointText =
    azure?.getOptionalString('endpoint') ?? 'https://management.azure.com';
  let endpoint: URL;
  try {
    endpoint = new URL(endpointText);
  } catch {
    throw new Error(`${azurePath}.endpoint is not a URL: '${endpointText}'`);
  }
  if (endpoint.protocol !== 'https:') {
    throw new Error(
      `${azurePath}.endpoint must use https (a bearer token is sent to it): '${endpointText}'`,
    );
  }
  const defaultSubscriptionId = azure?.getOptionalString(
    'defaultSubscriptionId',
  );
  if (
    defaultSubscriptionId !== undefined &&
    !GUID.test(defaultSubscriptionId)
  ) {
    throw new Error(
      `${azurePath}.defaultSubscriptionId must be a subscription id (a GUID), got '${defaultSubscriptionId}'`,
    );
  }
  return {
    source,
    costType,
    defaultDays,
    maxDays,
    cacheTtlMs: optionalDurationMs(config, 'cacheTtl', 4 * 3_600_000, KEY),
    azure: {
      endpoint: endpoint.origin,
      tokenScope:
        azure?.getOptionalString('tokenScope') ??
        'https://management.azure.com/.default',
      defaultSubscriptionId,
      tenantId: azure?.getOptionalString('tenantId'),
      clientId: azure?.getOptionalString('clientId'),
      timeoutMs: optionalDurationMs(azure, 'timeout', 30_000, azurePath),
      maxRetries: positiveInteger(azure, 'maxRetries', 3, azurePath, 0),
      maxRetryAfterMs: optionalDurationMs(
        azure,
        'maxRetryAfter',
        60_000,
        azurePath,
      ),
      maxPages: positiveInteger(azure, 'maxPages', 20, azurePath),
    },
    sample: {
      currency: config?.getOptionalString('sample.currency') ?? 'EUR',
    },
  };
}
