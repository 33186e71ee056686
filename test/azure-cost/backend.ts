/**
 * A real Backstage backend for the Azure cost plugin: the catalog (entities from a
 * file location), the permission backend with a policy module, the real permissions
 * service, and `@stagedoor/plugin-azure-cost-backend`. Users are test-utils users
 * (`mockCredentials.user.header(ref)`); their group memberships come from MEMBERSHIP.
 *
 * The policy: everyone may read everything, except that bob may not read entities
 * labelled `confidential`.
 */
import {
  type BackstageCredentials,
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  AuthorizeResult,
  isPermission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import type { JsonObject } from '@backstage/types';
import azureCostPlugin from '@stagedoor/plugin-azure-cost-backend';

export const ALICE = 'user:default/alice';
export const BOB = 'user:default/bob';

class NoConfidentialForBob implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (
      isPermission(request.permission, catalogEntityReadPermission) &&
      user?.info.userEntityRef === BOB
    ) {
      return createCatalogConditionalDecision(request.permission, {
        not: catalogConditions.hasLabel({ label: 'confidential' }),
      });
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

const policyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'azure-cost-test-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new NoConfidentialForBob());
      },
    });
  },
});

const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials) {
      const principal = credentials.principal as { userEntityRef: string };
      return {
        userEntityRef: principal.userEntityRef,
        ownershipEntityRefs: [principal.userEntityRef],
      };
    },
  }),
});

/**
 * The test-utils httpAuth, keeping the calling plugin (the actor) of an on-behalf-of
 * token as the real auth service does; the permission backend refuses conditional
 * requests from users without one.
 */
const httpAuthFactory = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const inner = mockServices.httpAuth({ pluginId: plugin.getId() });
    const prefix = 'Bearer mock-service-token:';
    return {
      issueUserCookie: (res, options) => inner.issueUserCookie(res, options),
      async credentials(req, options?: any) {
        const credentials = (await inner.credentials(
          req,
          options,
        )) as BackstageCredentials<{ type: string }>;
        const header = req.headers.authorization ?? '';
        if (
          credentials.principal.type === 'user' &&
          header.startsWith(prefix)
        ) {
          const { obo } = JSON.parse(header.slice(prefix.length));
          return mockCredentials.user(obo, {
            actor: { subject: 'plugin:azure-cost' },
          }) as any;
        }
        return credentials;
      },
    };
  },
});

export interface AzureCostBackendOptions {
  /** `stagedoor.azureCost`. */
  azureCost: JsonObject;
  /** A catalog file (YAML) with the entities. */
  entitiesFile: string;
}

/** Starts the backend on a free port; `baseUrl` is `http://localhost:<port>`. */
export async function startAzureCostBackend(options: AzureCostBackendOptions) {
  const backend = await startTestBackend({
    features: [
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          catalog: {
            rules: [{ allow: ['Component', 'Group', 'Location'] }],
            locations: [{ type: 'file', target: options.entitiesFile }],
            processingInterval: { seconds: 1 },
            stitchingStrategy: { pollingInterval: { milliseconds: 100 } },
          },
          stagedoor: { azureCost: options.azureCost },
        },
      }),
      permissionsServiceFactory,
      httpAuthFactory,
      userInfoFactory,
      permissionPlugin,
      policyModule,
      catalogPlugin,
      azureCostPlugin,
    ],
  });
  return {
    baseUrl: `http://localhost:${backend.server.port()}`,
    stop: () => backend.stop(),
  };
}

/** Authorization header of a test user. */
export const as = (user: string) => ({
  authorization: mockCredentials.user.header(user),
});

/** Waits until the catalog serves `ref` (file locations take a few processing rounds). */
export async function waitForEntity(baseUrl: string, ref: string) {
  const [kind, rest] = ref.split(':');
  const [namespace, name] = rest.split('/');
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await fetch(
      `${baseUrl}/api/catalog/entities/by-name/${kind}/${namespace}/${name}`,
      { headers: as(ALICE) },
    );
    if (res.ok) return;
    if (Date.now() > deadline)
      throw new Error(`${ref} never reached the catalog`);
    await new Promise(r => setTimeout(r, 250));
  }
}

/** A response's JSON body, for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const readJson = (res: Response): Promise<any> => res.json();
