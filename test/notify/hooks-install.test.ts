import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { runStagedoor } from '../fixtures/cli';
import {
  startFakeAzureDevOps,
  startFakeManagedIdentityEndpoint,
  type FakeAzureDevOps,
} from '../fixtures/azure-devops';
import { subscriptionsOf } from '../fixtures/azure-devops/hooks';

const cliJs = resolve(__dirname, '..', '..', 'cli', 'dist', 'cli.js');
const PAT = 'hooks-pat-0123456789';
const PASSWORD = 'receiver-password-s3cret';
const ENTRA_TOKEN = 'entra-hooks-token';
const RECEIVER =
  'https://backstage.contoso.com/api/catalog/stagedoor/v1/hooks/azure-devops';
const EVENTS = [
  'git.push',
  'git.repo.created',
  'git.repo.renamed',
  'git.repo.deleted',
  'git.repo.statuschanged',
];

/** Runs `stagedoor hooks install …` in-process and captures what it prints. */
const stagedoor = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runStagedoor(['hooks', 'install', ...args], {
    env: { AZURE_DEVOPS_TOKEN: PAT, ...env },
  });

describe('stagedoor hooks install', function () {
  this.timeout(60_000);
  let fake: FakeAzureDevOps;
  const org = () => ['--organization', fake.orgUrl];
  const writes = () =>
    fake.requests.filter(
      r =>
        r.operationId === 'Subscriptions_Create' ||
        r.operationId === 'Subscriptions_Replace Subscription',
    );

  beforeEach(async () => {
    fake = await startFakeAzureDevOps({
      organization: 'contoso',
      projects: [
        { name: 'Platform', repositories: ['payments'] },
        { name: 'Shop', repositories: ['web'] },
      ],
      pats: { [PAT]: { displayName: 'Hook admin' } },
      bearerTokens: { [ENTRA_TOKEN]: { displayName: 'Hook identity' } },
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('creates one subscription per project and event, then a second run changes nothing', async () => {
    const args = [
      ...org(),
      '--url',
      RECEIVER,
      '--username',
      'azure-devops',
      '--password',
      PASSWORD,
    ];
    const first = await stagedoor(args);
    assert.equal(first.code, 0, first.stderr);
    const subs = subscriptionsOf(fake.state);
    assert.equal(subs.length, 10);
    for (const project of fake.state.projects) {
      const mine = subs.filter(s => s.publisherInputs.projectId === project.id);
      assert.deepEqual(mine.map(s => s.eventType).sort(), [...EVENTS].sort());
      for (const s of mine) {
        assert.equal(s.consumerId, 'webHooks');
        assert.equal(s.consumerActionId, 'httpRequest');
        assert.deepEqual(s.consumerInputs, {
          url: RECEIVER,
          basicAuthUsername: 'azure-devops',
          basicAuthPassword: PASSWORD,
        });
      }
      for (const event of EVENTS)
        assert.match(
          first.stdout,
          new RegExp(
            `${project.name}\\s+${event.replace(/\./g, '\\.')}\\s+created`,
          ),
        );
    }
    assert.match(
      first.stdout,
      /Created 10, updated 0, 0 unchanged, in 2 project\(s\)/,
    );
    // The PAT went as basic auth with an empty user; no secret was printed.
    assert.ok(fake.requests.every(r => r.authScheme === 'Basic'));
    assert.doesNotMatch(
      first.stdout + first.stderr,
      new RegExp(`${PASSWORD}|${PAT}`),
    );

    const before = fake.requests.length;
    const second = await stagedoor(args);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(subscriptionsOf(fake.state).length, 10);
    assert.equal(writes().length, 10, 'the second run wrote nothing');
    assert.ok(
      fake.requests.slice(before).every(r => r.method === 'GET'),
      'the second run only read',
    );
    assert.match(
      second.stdout,
      /Nothing to change: all 10 subscriptions in 2 project\(s\) are up to date/,
    );
    assert.doesNotMatch(second.stdout, /\s(created|updated)(\s|$)/m);
  });

  it('replaces the subscriptions when the URL changes, and only for the projects asked', async () => {
    const base = ['--header-secret', PASSWORD, '--project', 'Shop'];
    assert.equal(
      (await stagedoor([...org(), '--url', RECEIVER, ...base])).code,
      0,
    );
    const ids = subscriptionsOf(fake.state).map(s => s.id);
    assert.equal(ids.length, 5);
    const moved =
      'https://backstage2.contoso.com/api/catalog/stagedoor/v1/hooks/azure-devops';
    const result = await stagedoor([...org(), '--url', moved, ...base]);
    assert.equal(result.code, 0, result.stderr);
    const subs = subscriptionsOf(fake.state);
    assert.deepEqual(
      subs.map(s => s.id),
      ids,
      'the same subscriptions, replaced in place',
    );
    for (const s of subs) {
      assert.equal(s.consumerInputs.url, moved);
      assert.equal(
        s.consumerInputs.httpHeaders,
        `x-stagedoor-hook-secret:${PASSWORD}`,
      );
    }
    const replaced = fake.requests.filter(
      r => r.operationId === 'Subscriptions_Replace Subscription',
    );
    assert.equal(replaced.length, 5);
    assert.match(result.stdout, /Shop\s+git\.push\s+updated \(URL changed\)/);
    assert.match(
      result.stdout,
      /Created 0, updated 5, 0 unchanged, in 1 project\(s\)/,
    );
    assert.doesNotMatch(result.stdout, /Platform/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(PASSWORD));
  });

  it('re-enables a subscription Azure DevOps disabled, and --rotate-secret replaces them all', async () => {
    const args = [...org(), '--url', RECEIVER, '--project', 'Platform'];
    assert.equal(
      (await stagedoor([...args, '--header-secret', 'old-secret'])).code,
      0,
    );
    const subs = subscriptionsOf(fake.state);
    subs[1].status = 'disabledBySystem';
    const again = await stagedoor([...args, '--header-secret', 'old-secret']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      /Platform\s+git\.repo\.created\s+updated \(was disabledBySystem\)/,
    );
    assert.match(again.stdout, /Created 0, updated 1, 4 unchanged/);
    assert.equal(subs[1].status, 'enabled');

    const rotated = await stagedoor([
      ...args,
      '--header-secret',
      'new-secret',
      '--rotate-secret',
    ]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /Created 0, updated 5, 0 unchanged/);
    for (const s of subscriptionsOf(fake.state))
      assert.equal(
        s.consumerInputs.httpHeaders,
        'x-stagedoor-hook-secret:new-secret',
      );
  });

  it('a dry run sends no write and says what it would do, secrets masked', async () => {
    const result = await stagedoor(
      [
        ...org(),
        '--url',
        RECEIVER,
        '--username',
        'u',
        '--dry-run',
        '--verbose',
      ],
      { STAGEDOOR_HOOK_PASSWORD: PASSWORD },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(writes().length, 0);
    assert.ok(fake.requests.every(r => r.method === 'GET'));
    assert.equal(subscriptionsOf(fake.state).length, 0);
    assert.match(
      result.stdout,
      /Platform\s+git\.repo\.deleted\s+would be created/,
    );
    assert.match(result.stdout, /Dry run: would create 10, update 0/);
    // --verbose shows the bodies, with the password masked.
    assert.match(result.stderr, /basicAuthPassword":"\*\*\*"/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(PASSWORD));
  });

  it('signs in with Entra ID (DefaultAzureCredential) when no PAT is given', async () => {
    const mi = await startFakeManagedIdentityEndpoint(ENTRA_TOKEN);
    try {
      // The bundled command in its own process, as a pipeline runs it: @azure/identity's
      // managed-identity token cache lives in the process, so an in-process run would hand
      // this token to later tests' credentials.
      const result = await new Promise<{
        code: number | null;
        stdout: string;
        stderr: string;
      }>((resolve, reject) =>
        execFile(
          process.execPath,
          [
            cliJs,
            'hooks',
            'install',
            ...org(),
            '--url',
            RECEIVER,
            '--header-secret',
            PASSWORD,
          ],
          {
            env: {
              ...process.env,
              NODE_OPTIONS: '',
              AZURE_DEVOPS_TOKEN: '',
              IDENTITY_ENDPOINT: mi.endpoint,
              IDENTITY_HEADER: mi.header,
            },
            timeout: 60_000,
          },
          (error, stdout, stderr) => {
            if (error && typeof error.code !== 'number') reject(error);
            else
              resolve({
                code: error ? (error.code as unknown as number) : 0,
                stdout,
                stderr,
              });
          },
        ),
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /signing in with Entra ID/);
      assert.ok(mi.requests >= 1);
      assert.ok(fake.requests.every(r => r.authScheme === 'Bearer'));
      assert.equal(subscriptionsOf(fake.state).length, 10);
      assert.doesNotMatch(
        result.stdout + result.stderr,
        new RegExp(ENTRA_TOKEN),
      );
    } finally {
      await mi.close();
    }
  });

  it('a bad token fails with a clear message and exit code 1, changing nothing', async () => {
    const result = await stagedoor(
      [...org(), '--url', RECEIVER, '--header-secret', PASSWORD],
      { AZURE_DEVOPS_TOKEN: 'not-a-known-pat' },
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /Azure DevOps rejected the credentials \(401\)/,
    );
    assert.match(result.stderr, /AZURE_DEVOPS_TOKEN/);
    assert.doesNotMatch(result.stderr, /not-a-known-pat/);
    assert.equal(subscriptionsOf(fake.state).length, 0);
  });

  it('an unknown project is an error naming it; missing credentials are bad usage', async () => {
    const unknown = await stagedoor([
      ...org(),
      '--url',
      RECEIVER,
      '--header-secret',
      PASSWORD,
      '--project',
      'Nope',
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Nope/);
    const sent = fake.requests.length;
    const usage = await stagedoor([...org(), '--url', RECEIVER]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--username and --password, or --header-secret/);
    assert.equal(fake.requests.length, sent, 'bad usage sends nothing');
  });
});
