import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  type SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { readDurationFromConfig } from '@backstage/config';
import { normalizeOrganizationUrl } from '@stagedoor/common';
import { createHash } from 'node:crypto';
import { globToRegExp } from '../service/authorize';

/** One organization (collection) to discover. */
export interface DiscoveryOrganization {
  /** Normalised URL, e.g. `https://dev.azure.com/contoso` or `https://tfs.example.com/tfs/DefaultCollection`. */
  url: string;
  /** Project name patterns (`*` within a name), case-insensitive. */
  projects: RegExp[];
  /** `{project}/{repository}` patterns, case-insensitive. */
  repositories: RegExp[];
  includeForks: boolean;
}

/** What placeholder Components are made of; `{{organization}}`, `{{project}}`, `{{repository}}` are replaced. */
export interface PlaceholderTemplates {
  enabled: boolean;
  name: string;
  namespace: string;
  title: string;
  type: string;
  lifecycle: string;
  owner: string;
}

/** `stagedoor.discovery`, read once at start-up. */
export interface DiscoveryConfig {
  organizations: DiscoveryOrganization[];
  /** Catalog file paths from the repository root, with a leading slash; may hold globs. */
  catalogPaths: string[];
  placeholder: PlaceholderTemplates;
  schedule: SchedulerServiceTaskScheduleDefinition;
  /** Azure DevOps requests in flight at once, per organization. */
  maxConcurrency: number;
  /** Retries of a request answered 429 / 503 (or not answered). */
  maxRetries: number;
  /** The longest `Retry-After` honoured; longer ones fail the request (retried next run). */
  maxRetryWaitMs: number;
  requestTimeoutMs: number;
  /**
   * Hash of the settings that shape entities (paths, placeholder templates): a change
   * re-reads every repository once, even where the head did not move.
   */
  fingerprint: string;
}

const TEMPLATE_KEYS = /\{\{\s*(organization|project|repository)\s*\}\}/g;

function positiveInt(config: Config, key: string, fallback: number): number {
  const value = config.getOptionalNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(
      `Invalid config: stagedoor.discovery.${key} must be a positive integer, got ${value}`,
    );
  }
  return value;
}

function durationMs(config: Config, key: string, fallbackMs: number): number {
  if (!config.has(key)) return fallbackMs;
  const d = readDurationFromConfig(config, { key });
  const ms =
    (d.milliseconds ?? 0) +
    1000 *
      ((d.seconds ?? 0) +
        60 * ((d.minutes ?? 0) + 60 * ((d.hours ?? 0) + 24 * (d.days ?? 0))));
  if (!(ms > 0)) {
    throw new Error(
      `Invalid config: stagedoor.discovery.${key} must be a positive duration`,
    );
  }
  return ms;
}

function template(config: Config, key: string, fallback: string): string {
  const value = config.getOptionalString(key) ?? fallback;
  const unknown = /\{\{\s*([^}]*?)\s*\}\}/g.exec(
    value.replace(TEMPLATE_KEYS, ''),
  );
  if (unknown) {
    throw new Error(
      `Invalid config: stagedoor.discovery.placeholder.${key} uses {{${unknown[1]}}}; only {{organization}}, {{project}} and {{repository}} are known`,
    );
  }
  return value;
}

/** Fills a placeholder template. */
export function fillTemplate(
  value: string,
  vars: { organization: string; project: string; repository: string },
): string {
  return value.replace(TEMPLATE_KEYS, (_, key: keyof typeof vars) => vars[key]);
}

/**
 * A path glob over repository paths (leading slash): `*` within a folder, `**` any
 * number of folders (also none: `/**\/catalog-info.yaml` matches `/catalog-info.yaml`).
 */
export function pathGlobToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i++;
      }
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`, 'i');
}

/** True when the path holds a glob character. */
export function isGlob(path: string): boolean {
  return /[*?]/.test(path);
}

/**
 * Reads `stagedoor.discovery`; `undefined` when discovery is off (no such key, or
 * `enabled: false`). Throws at start-up on settings that cannot work.
 */
export function readDiscoveryConfig(root: Config): DiscoveryConfig | undefined {
  const config = root.getOptionalConfig('stagedoor.discovery');
  if (!config || config.getOptionalBoolean('enabled') === false)
    return undefined;
  const organizations = config.getConfigArray('organizations').map((org, i) => {
    const where = `stagedoor.discovery.organizations[${i}]`;
    const raw = org.getString('url');
    let url: URL;
    try {
      url = new URL(normalizeOrganizationUrl(raw));
    } catch {
      throw new Error(
        `Invalid config: ${where}.url must be an organization URL such as https://dev.azure.com/contoso, got '${raw}'`,
      );
    }
    if (!/^https?:$/.test(url.protocol) || url.pathname === '/') {
      throw new Error(
        `Invalid config: ${where}.url must be an organization (collection) URL such as https://dev.azure.com/contoso or https://server/tfs/DefaultCollection, got '${raw}'`,
      );
    }
    return {
      url: normalizeOrganizationUrl(raw),
      projects: (org.getOptionalStringArray('projects') ?? ['*']).map(p =>
        globToRegExp(p),
      ),
      repositories: (org.getOptionalStringArray('repositories') ?? ['**']).map(
        p => globToRegExp(p),
      ),
      includeForks: org.getOptionalBoolean('includeForks') ?? false,
    };
  });
  if (organizations.length === 0) {
    throw new Error(
      'Invalid config: stagedoor.discovery.organizations must name at least one organization (or set stagedoor.discovery.enabled: false)',
    );
  }
  const catalogPaths = (
    config.getOptionalStringArray('catalogPath') ?? ['/catalog-info.yaml']
  ).map(p => `/${p.trim().replace(/^\/+/, '')}`);
  for (const p of catalogPaths) {
    if (p === '/' || p.split('/').includes('..')) {
      throw new Error(
        `Invalid config: stagedoor.discovery.catalogPath '${p}' must name files in the repository (no '..')`,
      );
    }
  }
  const ph = config.getOptionalConfig('placeholder');
  const placeholder: PlaceholderTemplates = {
    enabled: ph?.getOptionalBoolean('enabled') ?? true,
    name: ph ? template(ph, 'name', '{{repository}}') : '{{repository}}',
    namespace: ph ? template(ph, 'namespace', 'default') : 'default',
    title: ph ? template(ph, 'title', '{{repository}}') : '{{repository}}',
    type: ph ? template(ph, 'type', 'service') : 'service',
    lifecycle: ph ? template(ph, 'lifecycle', 'unknown') : 'unknown',
    owner: ph ? template(ph, 'owner', 'unowned') : 'unowned',
  };
  const schedule = config.has('schedule')
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
        config.getConfig('schedule'),
      )
    : {
        frequency: { minutes: 30 },
        timeout: { minutes: 15 },
        initialDelay: { seconds: 15 },
      };
  return {
    organizations,
    catalogPaths,
    placeholder,
    schedule,
    maxConcurrency: positiveInt(config, 'maxConcurrency', 16),
    maxRetries: config.getOptionalNumber('maxRetries') ?? 4,
    maxRetryWaitMs: durationMs(config, 'maxRetryWait', 60_000),
    requestTimeoutMs: durationMs(config, 'requestTimeout', 30_000),
    fingerprint: createHash('sha256')
      .update(JSON.stringify({ catalogPaths, placeholder }))
      .digest('hex')
      .slice(0, 16),
  };
}
