import { strict as assert } from 'node:assert';
import {
  type Problem,
  parsePolicy,
  validateCatalogFiles,
} from '@stagedoor/common';
import {
  ORG_POLICY,
  POLICY_VIOLATIONS,
  RG,
  service,
} from '../fixtures/orgPolicy';
import { pushBody, type PushBackend, startOrgPolicyBackend } from './harness';

/** The same files through the push route and through the engine the validate task runs. */
const VIOLATIONS: Record<string, string> = Object.fromEntries(
  Object.entries(POLICY_VIOLATIONS).map(([name, doc]) => [`${name}.yaml`, doc]),
);

const brief = (problems: Problem[]) =>
  problems
    .filter(p => p.severity === 'error')
    .map(p => `${p.file}:${p.line}:${p.column} ${p.rule} ${p.message}`)
    .sort();

/**
 * The organisation's policy in Backstage config (`stagedoor.policy`): served read-only to the
 * tasks, and enforced on every push with the engine's own messages.
 */
describe("the Stagedoor push module: the organisation's policy", function () {
  this.timeout(120_000);
  let backend: PushBackend;

  before(async () => {
    backend = await startOrgPolicyBackend();
  });
  after(async () => {
    await backend?.stop();
  });

  it('serves the policy read-only to the tasks', async () => {
    const res = await backend.get('/stagedoor/v1/policy');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, {
      policy: parsePolicy(ORG_POLICY, 'stagedoor.policy'),
    });
    const anonymous = await backend.get('/stagedoor/v1/policy', null as never);
    assert.equal(anonymous.status, 401);
  });

  it('rejects a violating push with the problems, in the same words as the validate task', async () => {
    const res = await backend.push(pushBody('shop', VIOLATIONS));
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error.name, 'UnprocessableEntitiesError');
    const pushed = brief(res.body.error.problems);
    // What the validate task says with the same policy, with the live catalog consulted.
    const task = brief(
      validateCatalogFiles(
        Object.entries(VIOLATIONS).map(([path, content]) => ({
          path,
          content,
        })),
        {
          policy: ORG_POLICY,
          knownEntityRefs: new Set(['group:default/team-live']),
        },
      ).problems,
    );
    assert.deepEqual(pushed, task);
    assert.deepEqual(
      pushed.map(p => p.split(' ').slice(0, 2).join(' ')),
      [
        'batch.yaml:8:9 policy/type',
        'cost.yaml:6:9 policy/kind-schema',
        'gone.yaml:10:10 policy/owner',
        'no-rg.yaml:4:3 policy/schema',
        'user-owner.yaml:10:10 policy/owner',
      ].sort(),
    );
  });

  it('accepts what the policy allows', async () => {
    const res = await backend.push(
      pushBody('shop', {
        'catalog-info.yaml': service(
          'payments',
          'type: service\n  lifecycle: production\n  owner: team-live',
          RG,
        ),
        'cost.yaml':
          'apiVersion: acme.com/v1\nkind: CostCenter\nmetadata:\n  name: cc-1\nspec:\n  code: CC-42\n',
      }),
      { dryRun: true },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.added.sort(), [
      'component:default/payments',
      'costcenter:default/cc-1',
    ]);
  });
});
