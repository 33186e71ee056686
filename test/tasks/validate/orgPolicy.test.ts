import { strict as assert } from 'node:assert';
import type { Problem } from '@stagedoor/common';
import { stringify } from 'yaml';
import { runStagedoor } from '../../fixtures/cli';
import {
  eventually,
  PUSH_TOKEN,
  pushBody,
  type PushBackend,
  startPushBackend,
} from '../../catalog-module/harness';
import { ORG_POLICY } from '../../fixtures/orgPolicy';
import { cleanRepos, makeRepo } from './helpers';
import { componentYaml } from '../../fixtures/entities';

const cli = (args: string[], cwd: string) =>
  runStagedoor(['validate', ...args], { cwd });

const service = (name: string, spec: string, annotations = '') =>
  componentYaml(name, { spec, metadata: annotations });
const RG = '  annotations:\n    azure.com/resource-group: rg-shop\n';

/** Files that break the organisation's rules, one way each. */
const FILES: Record<string, string> = {
  'no-rg/catalog-info.yaml': service(
    'no-rg',
    'type: service\n  lifecycle: production\n  owner: team-live',
  ),
  'batch/catalog-info.yaml': service(
    'batch',
    'type: batch-job\n  lifecycle: production\n  owner: team-live',
    RG,
  ),
  'user-owner/catalog-info.yaml': service(
    'user-owner',
    'type: service\n  lifecycle: production\n  owner: user:jdoe',
    RG,
  ),
  'gone/catalog-info.yaml': service(
    'gone',
    'type: service\n  lifecycle: production\n  owner: team-gone',
    RG,
  ),
  'cost/catalog-info.yaml':
    'apiVersion: acme.com/v1\nkind: CostCenter\nmetadata:\n  name: cc-1\nspec:\n  code: "42"\n',
};

/** The placeholder's file is in the repository: the task reads it; a push does not carry it. */
const PLACEHOLDER = {
  'placeholder/catalog-info.yaml': service(
    'placeholder',
    'type: service\n  lifecycle: production\n  owner: team-live',
    '  annotations:\n    azure.com/resource-group:\n      $text: ./rg.txt\n',
  ),
  'placeholder/rg.txt': 'payments',
};

const brief = (problems: Problem[]) =>
  problems
    .filter(p => p.severity === 'error')
    .map(p => `${p.file}:${p.line}:${p.column} ${p.rule} ${p.message}`)
    .sort();

describe("stagedoor validate and the push route enforce the organisation's policy alike", function () {
  this.timeout(180_000);
  let backend: PushBackend;

  before(async () => {
    backend = await startPushBackend({
      policy: ORG_POLICY as Record<string, unknown>,
      push: {
        rules: [
          {
            principals: ['pipeline'],
            sources: ['contoso/shop/org'],
            kinds: ['*'],
          },
          { principals: ['pipeline'], sources: ['**'] },
        ],
      },
    });
    const org = await backend.push(
      pushBody('org', {
        'groups.yaml':
          'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-live\nspec:\n  type: team\n  children: []\n',
      }),
    );
    assert.equal(org.status, 200, JSON.stringify(org.body));
    await eventually(async () => {
      const res = await backend.get(
        '/entities/by-name/group/default/team-live',
      );
      return res.status === 200 ? true : undefined;
    }, 'group:team-live in the catalog');
  });
  after(async () => {
    await backend?.stop();
    cleanRepos();
  });

  it("takes Backstage's policy and reports the push route's problems word for word, at file:line", async () => {
    const repo = makeRepo({ ...FILES, ...PLACEHOLDER });
    const { code, stdout, stderr } = await cli(
      [
        '--format',
        'json',
        '--backstage-url',
        backend.baseUrl,
        '--token',
        PUSH_TOKEN,
      ],
      repo,
    );
    assert.equal(code, 1, stderr);
    assert.match(stderr, /Using the organisation's policy from/);
    const fromTask = brief(JSON.parse(stdout));

    const push = await backend.push(pushBody('shop', FILES));
    assert.equal(push.status, 422, JSON.stringify(push.body));
    const fromPush = brief(push.body.error.problems);

    // The placeholder is read from the repository by the task, after substitution.
    const placeholder = fromTask.filter(p => p.startsWith('placeholder/'));
    assert.deepEqual(
      placeholder.map(p => p.split(' ').slice(0, 2).join(' ')),
      ['placeholder/catalog-info.yaml:7:7 policy/schema'],
    );
    assert.match(placeholder[0], /the string "payments"/);
    assert.deepEqual(
      fromTask.filter(p => !p.startsWith('placeholder/')),
      fromPush,
    );
    assert.equal(fromPush.length, 5, fromPush.join('\n'));
  });

  it("enforces the repository's .stagedoor.yaml without a Backstage connection", async () => {
    const repo = makeRepo({
      ...FILES,
      '.stagedoor.yaml': stringify({ validate: ORG_POLICY }),
    });
    const { code, stdout, stderr } = await cli(['--format', 'json'], repo);
    assert.equal(code, 1, stderr);
    // Without the catalog, an owner cannot be shown missing: only that it is no Group.
    assert.deepEqual(
      brief(JSON.parse(stdout)).map(p => p.split(' ').slice(0, 2).join(' ')),
      [
        'batch/catalog-info.yaml:8:9 policy/type',
        'cost/catalog-info.yaml:6:9 policy/kind-schema',
        'no-rg/catalog-info.yaml:4:3 policy/schema',
        'user-owner/catalog-info.yaml:10:10 policy/owner',
      ],
    );
  });
});
