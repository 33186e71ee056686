/**
 * Backstage's permission framework on a real scaffolder: catalog, scaffolder,
 * the Stagedoor module, the permission backend with a policy module, and the
 * real permissions service. The policy uses the scaffolder's conditional action
 * rules so that only members of group:default/platform-team may run
 * azure:serviceconnection:create (except in the Sandbox project); others get a
 * denial in the task log. Also the audit trail and attribution of a real task.
 *
 * Group membership comes from a small userInfo service (the real one reads it
 * from a signed-in user's token, which these test tokens do not carry).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
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
import { actionExecutePermission } from '@backstage/plugin-scaffolder-common/alpha';
import {
  createScaffolderActionConditionalDecision,
  scaffolderActionConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import scaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import stagedoorAzureDevOps from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import { FakeAzureDevOps } from '../fixtures/azure-devops';
import { recordingAuditLog } from '../fixtures/auditLog';
import { PAT, startFake } from './helpers';

const PLATFORM_GROUP = 'group:default/platform-team';

/** The policy the README shows. */
class ServiceConnectionsForPlatformTeam implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (isPermission(request.permission, actionExecutePermission)) {
      if (user?.info.ownershipEntityRefs.includes(PLATFORM_GROUP)) {
        return { result: AuthorizeResult.ALLOW };
      }
      const { hasActionId, hasStringProperty } = scaffolderActionConditions;
      return createScaffolderActionConditionalDecision(request.permission, {
        anyOf: [
          { not: hasActionId({ actionId: 'azure:serviceconnection:create' }) },
          hasStringProperty({ key: 'project', value: 'Sandbox' }),
        ],
      });
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

const policyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'stagedoor-test-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new ServiceConnectionsForPlatformTeam());
      },
    });
  },
});

const MEMBERSHIP: Record<string, string[]> = {
  'user:default/alice': [PLATFORM_GROUP],
  'user:default/bob': ['group:default/payments-team'],
};

const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials) {
      const principal = credentials.principal as { userEntityRef: string };
      return {
        userEntityRef: principal.userEntityRef,
        ownershipEntityRefs: [
          principal.userEntityRef,
          ...(MEMBERSHIP[principal.userEntityRef] ?? []),
        ],
      };
    },
  }),
});

/**
 * The test-utils httpAuth, keeping the calling plugin (the actor) of an
 * on-behalf-of token as the real auth service does. The mock drops it, and the
 * permission backend refuses conditional requests from users without an actor
 * ("Direct user requests without a resourceRef are not allowed").
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
            actor: { subject: 'plugin:scaffolder' },
          }) as any;
        }
        return credentials;
      },
    };
  },
});

describe('permission policy on the Azure DevOps actions (real scaffolder)', function () {
  this.timeout(180_000);
  const audit = recordingAuditLog();
  let fake: FakeAzureDevOps;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let api: string;
  let dir: string;

  before(async () => {
    fake = await startFake({
      projects: [{ name: 'Platform' }, { name: 'Sandbox' }],
      endpointReadyAfter: 0,
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagedoor-permissions-'));
    const template = {
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      kind: 'Template',
      metadata: { name: 'connection' },
      spec: {
        owner: PLATFORM_GROUP,
        type: 'service-connection',
        parameters: [
          {
            required: ['project', 'name'],
            properties: {
              project: { type: 'string' },
              name: { type: 'string' },
            },
          },
        ],
        steps: [
          {
            id: 'connection',
            name: 'Create the service connection',
            action: 'azure:serviceconnection:create',
            input: {
              organizationUrl: fake.orgUrl,
              project: '${{ parameters.project }}',
              name: '${{ parameters.name }}',
              type: 'generic',
              url: 'https://example.test',
              readyPollInterval: 0.01,
            },
          },
        ],
      },
    };
    const file = path.join(dir, 'template.yaml');
    fs.writeFileSync(file, yaml.stringify(template));

    backend = await startTestBackend({
      features: [
        audit.factory,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            integrations: {
              azure: [
                {
                  host: new URL(fake.baseUrl).host,
                  credentials: [{ personalAccessToken: PAT }],
                },
              ],
            },
            catalog: {
              rules: [{ allow: ['Template', 'Location'] }],
              locations: [{ type: 'file', target: file }],
            },
          },
        }),
        permissionsServiceFactory,
        httpAuthFactory,
        userInfoFactory,
        permissionPlugin,
        policyModule,
        catalogPlugin,
        scaffolderEntityModel,
        scaffolderPlugin,
        stagedoorAzureDevOps,
      ],
    });
    api = `http://localhost:${backend.server.port()}/api`;
    await waitFor('the template in the catalog', async () => {
      const res = await fetch(
        `${api}/catalog/entities/by-name/template/default/connection`,
        { headers: as('user:default/alice') },
      );
      return res.ok;
    });
  });

  after(async () => {
    await backend?.stop();
    await fake?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const as = (user: string) => ({
    authorization: mockCredentials.user.header(user),
  });

  async function waitFor(what: string, check: () => Promise<boolean>) {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise(r => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  async function run(user: string, values: Record<string, unknown>) {
    const res = await fetch(`${api}/scaffolder/v2/tasks`, {
      method: 'POST',
      headers: { ...as(user), 'content-type': 'application/json' },
      body: JSON.stringify({
        templateRef: 'template:default/connection',
        values,
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { id } = (await res.json()) as { id: string };
    let task: any;
    await waitFor(`task ${id}`, async () => {
      task = await (
        await fetch(`${api}/scaffolder/v2/tasks/${id}`, { headers: as(user) })
      ).json();
      return ['completed', 'failed', 'cancelled'].includes(task.status);
    });
    const events = (await (
      await fetch(`${api}/scaffolder/v2/tasks/${id}/events`, {
        headers: as(user),
      })
    ).json()) as any[];
    const log = events
      .map(e => e.body?.message)
      .filter(Boolean)
      .join('\n');
    return { id, status: task.status as string, log };
  }

  const endpoint = (name: string) =>
    fake.state.endpoints.find(e => e.body.name === name);

  it('lets a member of the platform group create a service connection, attributed to them and the task, and audited', async () => {
    const task = await run('user:default/alice', {
      project: 'Platform',
      name: 'platform-conn',
    });
    assert.equal(task.status, 'completed', task.log);
    assert.match(
      endpoint('platform-conn')!.body.description,
      new RegExp(
        `Created from Backstage by user:default/alice, scaffolder task ${task.id}`,
      ),
    );
    const event = audit.events.find(
      e =>
        e.message === 'scaffolder.azure-devops-action' &&
        e.status === 'succeeded' &&
        e.meta?.taskId === task.id,
    );
    assert.ok(event, 'a succeeded audit event for the task');
    assert.equal(event.meta?.actionId, 'azure:serviceconnection:create');
    assert.equal(event.meta?.initiator, 'user:default/alice');
    assert.deepEqual(event.meta?.projects, ['Platform']);
    assert.equal((event.meta?.outputs as any)?.created, true);
  });

  it('denies anyone else in the task log, before the action runs', async () => {
    const before = fake.requests.length;
    const task = await run('user:default/bob', {
      project: 'Platform',
      name: 'bob-conn',
    });
    assert.equal(task.status, 'failed');
    assert.match(
      task.log,
      /Unauthorized action: azure:serviceconnection:create\. The action is not allowed\./,
    );
    assert.equal(endpoint('bob-conn'), undefined);
    assert.equal(fake.requests.length, before, 'no request to Azure DevOps');
  });

  it('applies the policy to the input: others may create connections in the Sandbox project', async () => {
    const task = await run('user:default/bob', {
      project: 'Sandbox',
      name: 'bob-sandbox',
    });
    assert.equal(task.status, 'completed', task.log);
    assert.ok(endpoint('bob-sandbox'));
  });

  it('refuses and audits a call outside the guardrails, naming the setting', async () => {
    // Cross-project sharing is off by default (a dry run: the template above has no sharing).
    const res = await fetch(`${api}/scaffolder/v2/dry-run`, {
      method: 'POST',
      headers: {
        ...as('user:default/alice'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        template: {
          apiVersion: 'scaffolder.backstage.io/v1beta3',
          kind: 'Template',
          metadata: { name: 'share' },
          spec: {
            owner: PLATFORM_GROUP,
            type: 'service-connection',
            parameters: [],
            steps: [
              {
                id: 'share',
                name: 'Share',
                action: 'azure:serviceconnection:create',
                input: {
                  organizationUrl: fake.orgUrl,
                  project: 'Platform',
                  name: 'shared-conn',
                  type: 'generic',
                  url: 'https://example.test',
                  shareWithProjects: ['Sandbox'],
                },
              },
            ],
          },
        },
        values: {},
        directoryContents: [],
      }),
    });
    // The dry-run route answers a failing step with its error.
    const body: any = await res.json();
    assert.equal(res.status, 403, JSON.stringify(body));
    assert.match(
      body.error.message,
      /stagedoor\.scaffolder\.guardrails\.allowCrossProjectSharing is false/,
    );
    const event = audit.events.find(
      e =>
        e.message === 'scaffolder.azure-devops-action' &&
        e.status === 'failed' &&
        e.meta?.dryRun === true,
    );
    assert.ok(event, 'a failed audit event');
    assert.equal(event.error?.name, 'NotAllowedError');
    assert.equal(event.meta?.initiator, 'user:default/alice');
  });
});
