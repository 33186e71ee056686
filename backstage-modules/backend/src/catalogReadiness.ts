import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  coreServices,
  createBackendFeatureLoader,
  createBackendModule,
  createServiceFactory,
  createServiceRef,
  type RootHealthService,
  type RootLifecycleService,
} from '@backstage/backend-plugin-api';
import { rootHealthServiceFactory } from '@backstage/backend-defaults/rootHealth';
import type { Config } from '@backstage/config';
import { parseAllDocuments } from 'yaml';

/**
 * Readiness that means "the catalog serves the configured entities".
 *
 * Backstage's own readiness (`/.backstage/health/v1/readiness`, the `rootHealth` service of
 * @backstage/backend-defaults) answers 200 as soon as the root lifecycle's startup hooks
 * begin: the catalog has started, but its processing loop has not yet read the files of
 * `catalog.locations`, so for a few seconds the catalog answers empty. This replaces
 * `rootHealth` with Backstage's own behind a gate (ready when Backstage's is and nothing
 * holds the gate), and adds a catalog module that holds the gate until every entity of the
 * configured `file` locations (that the catalog's rules allow) is readable through the
 * catalog API, or until {@link WAIT_LIMIT_MS} has passed (then it logs which entities are
 * missing and opens the gate anyway: a broken example file must not keep a backend out of
 * its load balancer for good).
 */

/** How long readiness waits for the configured entities at most. */
export const WAIT_LIMIT_MS = 60_000;
const POLL_INTERVAL_MS = 250;
const REQUEST_TIMEOUT_MS = 10_000;

/** Holds readiness back while any part of the backend is still getting ready. */
export interface ReadinessGate {
  /** Registers something readiness waits for; call the answer once it is ready. */
  hold(what: string): () => void;
  /** What readiness still waits for. */
  pending(): string[];
}

const readinessGateRef = createServiceRef<ReadinessGate>({
  id: 'stagedoor.readiness-gate',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory() {
        const holds = new Map<number, string>();
        let next = 0;
        return {
          hold(what) {
            const id = next++;
            holds.set(id, what);
            return () => void holds.delete(id);
          },
          pending: () => [...holds.values()],
        };
      },
    }),
});

/**
 * Backstage's own rootHealth, made by the factory backend-defaults exports (it exports the
 * factory, not the service class): a root service factory's `factory` takes its deps.
 */
async function defaultRootHealth(
  lifecycle: RootLifecycleService,
): Promise<RootHealthService> {
  const { factory } = rootHealthServiceFactory as unknown as {
    factory?: (deps: {
      lifecycle: RootLifecycleService;
    }) => Promise<RootHealthService>;
  };
  if (typeof factory !== 'function')
    throw new Error(
      "catalogReadiness: @backstage/backend-defaults' rootHealthServiceFactory has no factory()",
    );
  return factory({ lifecycle });
}

/** Backstage's rootHealth with the gate added to readiness. */
const gatedRootHealth = createServiceFactory({
  service: coreServices.rootHealth,
  deps: { lifecycle: coreServices.rootLifecycle, gate: readinessGateRef },
  async factory({ lifecycle, gate }): Promise<RootHealthService> {
    const health = await defaultRootHealth(lifecycle);
    return {
      getLiveness: () => health.getLiveness(),
      async getReadiness() {
        const readiness = await health.getReadiness();
        const pending = gate.pending();
        if (readiness.status !== 200 || pending.length === 0) return readiness;
        return {
          status: 503,
          payload: {
            message: `Waiting for ${pending.join(', ')}`,
            status: 'error',
          },
        };
      },
    };
  },
});

interface AllowRule {
  kinds: string[];
  /** Absolute file targets the rule is limited to; undefined: every location. */
  files?: string[];
}

/** The catalog's rules (`catalog.rules`, default Component/API/Location, plus each location's). */
function allowRules(config: Config): AllowRule[] {
  const kinds = (list: unknown) =>
    (Array.isArray(list) ? list : []).flatMap(k =>
      typeof k === 'string' ? [k] : typeof k?.kind === 'string' ? [k.kind] : [],
    );
  const rules: AllowRule[] = config.has('catalog.rules')
    ? config.getConfigArray('catalog.rules').map(rule => ({
        kinds: kinds(rule.get('allow')),
        files: rule
          .getOptionalConfigArray('locations')
          ?.filter(l => l.getString('type') === 'file' && l.has('exact'))
          .map(l => resolve(l.getString('exact'))),
      }))
    : [{ kinds: ['Component', 'API', 'Location'] }];
  for (const location of config.getOptionalConfigArray('catalog.locations') ??
    []) {
    if (location.getString('type') !== 'file') continue;
    const target = resolve(location.getString('target'));
    for (const rule of location.getOptionalConfigArray('rules') ?? [])
      rules.push({ kinds: kinds(rule.get('allow')), files: [target] });
  }
  return rules;
}

/**
 * The refs (`kind:namespace/name`, lower case) of the entities in the configured `file`
 * locations that the rules let into the catalog. Files that cannot be read or parsed give
 * none: the catalog reports them itself.
 */
export function configuredEntityRefs(config: Config): string[] {
  const rules = allowRules(config);
  const refs = new Set<string>();
  for (const location of config.getOptionalConfigArray('catalog.locations') ??
    []) {
    if (location.getString('type') !== 'file') continue;
    // The catalog resolves file targets against the working folder, as here.
    const target = resolve(location.getString('target'));
    let docs;
    try {
      docs = parseAllDocuments(readFileSync(target, 'utf8'));
    } catch {
      continue;
    }
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors.length) continue;
      const entity = doc.toJS() as {
        kind?: unknown;
        metadata?: { name?: unknown; namespace?: unknown };
      } | null;
      const kind = entity?.kind;
      const name = entity?.metadata?.name;
      if (typeof kind !== 'string' || typeof name !== 'string') continue;
      const allowed = rules.some(
        rule =>
          (!rule.files || rule.files.includes(target)) &&
          rule.kinds.some(k => k.toLowerCase() === kind.toLowerCase()),
      );
      if (!allowed) continue;
      const namespace =
        typeof entity?.metadata?.namespace === 'string'
          ? entity.metadata.namespace
          : 'default';
      refs.add(`${kind}:${namespace}/${name}`.toLowerCase());
    }
  }
  return [...refs].sort();
}

const catalogReadinessModule = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'stagedoor-readiness',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        gate: readinessGateRef,
      },
      async init({ config, logger, lifecycle, auth, discovery, gate }) {
        const expected = configuredEntityRefs(config);
        if (expected.length === 0) return;
        const release = gate.hold(
          `the catalog to serve the ${expected.length} entities of catalog.locations`,
        );
        let stopped = false;
        lifecycle.addShutdownHook(() => {
          stopped = true;
        });
        const missingNow = async (): Promise<string[]> => {
          const { token } = await auth.getPluginRequestToken({
            onBehalfOf: await auth.getOwnServiceCredentials(),
            targetPluginId: 'catalog',
          });
          const res = await fetch(
            `${await discovery.getBaseUrl('catalog')}/entities/by-refs`,
            {
              method: 'POST',
              headers: {
                authorization: `Bearer ${token}`,
                'content-type': 'application/json',
              },
              body: JSON.stringify({
                entityRefs: expected,
                fields: ['kind', 'metadata.name'],
              }),
              signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            },
          );
          if (!res.ok) throw new Error(`catalog answered ${res.status}`);
          const { items } = (await res.json()) as { items: unknown[] };
          return expected.filter((_, i) => !items[i]);
        };
        const wait = async () => {
          const started = Date.now();
          let missing = expected;
          let lastError: unknown;
          while (!stopped && Date.now() - started < WAIT_LIMIT_MS) {
            try {
              missing = await missingNow();
              if (missing.length === 0) {
                logger.info(
                  `Ready: the catalog serves the ${expected.length} entities of catalog.locations (after ${Date.now() - started} ms).`,
                );
                return;
              }
            } catch (error) {
              lastError = error;
            }
            await new Promise(r => setTimeout(r, POLL_INTERVAL_MS));
          }
          if (!stopped)
            logger.warn(
              `Ready without ${missing.length} of the ${expected.length} entities of catalog.locations after ${WAIT_LIMIT_MS / 1000} s: ${missing.join(', ')}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : ''}. Check the catalog's processing errors for them.`,
            );
        };
        // Not awaited: startup hooks hold back the backend's start; the gate holds readiness.
        lifecycle.addStartupHook(() => {
          void wait().finally(release);
        });
      },
    });
  },
});

/**
 * Readiness waits until the catalog serves the entities of the configured `file` locations:
 * `backend.add(catalogReadiness)`.
 */
export const catalogReadiness = createBackendFeatureLoader({
  *loader() {
    yield gatedRootHealth;
    yield catalogReadinessModule;
  },
});
