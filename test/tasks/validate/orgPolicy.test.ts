import { strict as assert } from 'node:assert';
import type { Problem } from '@stagedoor/common';
import { stringify } from 'yaml';
import { runStagedoor } from '../../fixtures/cli';
import {
  PUSH_TOKEN,
  pushBody,
  type PushBackend,
  startOrgPolicyBackend,
} from '../../catalog-module/harness';
import { ORG_POLICY, POLICY_VIOLATIONS } from '../../fixtures/orgPolicy';
import { cleanRepos, makeRepo } from './helpers';

const cli = (args: string[], cwd: string) =>
  runStagedoor(['validate', ...args], { cwd });

/** Files that break the organisation's rules, one way each. */
const FILES: Record<string, string> = Object.fromEntries(
  Object.entries(POLICY_VIOLATIONS)
    .filter(([name]) => name !== 'placeholder')
    .map(([name, doc]) => [`${name}/catalog-info.yaml`, doc]),
);

/** The placeholder's file is in the repository: the task reads it; a push does not carry it. */
const PLACEHOLDER = {
  'placeholder/catalog-info.yaml': POLICY_VIOLATIONS.placeholder,
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
    backend = await startOrgPolicyBackend();
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
