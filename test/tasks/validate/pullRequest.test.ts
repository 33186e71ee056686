import { strict as assert } from 'node:assert';
import { runStagedoor } from '../../fixtures/cli';
import { envName, runTask, TaskRun } from '../../fixtures/agent';
import {
  startFakeAzureDevOps,
  type FakeAzureDevOps,
} from '../../fixtures/azure-devops';
import {
  startNotifyBackend,
  TOKEN,
  type NotifyBackend,
} from '../../notify/backend';
import { tokenEndpoint } from '../../notify/helpers';
import { cleanRepos, component, ensureBuilt, makeRepo, teamA } from './helpers';

const TASK = 'BackstageCatalogValidateV1';
const MARKER = '<!-- stagedoor:catalog-validation -->';

/**
 * BackstageCatalogValidate@1 in a pull-request build, run by the agent harness against the
 * fake Azure DevOps (every request checked against git-git.json) and, for the dry-run diff,
 * a real catalog with the Stagedoor push module.
 */
describe('BackstageCatalogValidate@1 pull-request feedback', function () {
  this.timeout(240_000);
  let ado: FakeAzureDevOps;
  let repositoryId: string;
  let nextPr = 100;
  let nextBuild = 500;

  before(async () => {
    ensureBuilt();
    ado = await startFakeAzureDevOps({
      organization: 'contoso',
      projects: [{ name: 'shop', repositories: ['web'] }],
      bearerTokens: {
        'job-token': { displayName: 'shop Build Service (contoso)' },
        'read-only-token': {
          displayName: 'shop Build Service (contoso)',
          readOnly: true,
        },
      },
    });
    repositoryId = ado.state.projects[0].repositories[0].id;
  });
  after(async () => {
    await ado?.close();
    cleanRepos();
  });

  /** A new pull request in the fake; returns its id. */
  function openPullRequest(): number {
    const id = nextPr++;
    ado.state.pullRequests.push({
      id,
      repositoryId,
      sourceRefName: `refs/heads/feature-${id}`,
      targetRefName: 'refs/heads/main',
      title: `Catalog change ${id}`,
      description: '',
      isDraft: false,
      status: 'active',
      reviewers: [],
      workItemIds: [],
      createdBy: { id: 'someone', displayName: 'Someone' },
    });
    return id;
  }

  const pr = (id: number) => ado.state.pullRequests.find(p => p.id === id)!;

  function prVariables(id: number): Record<string, string> {
    const build = nextBuild++;
    return {
      'Build.Reason': 'PullRequest',
      'System.PullRequest.PullRequestId': String(id),
      'System.PullRequest.TargetBranch': 'refs/heads/main',
      'System.PullRequest.SourceBranch': `refs/heads/feature-${id}`,
      'System.CollectionUri': `${ado.orgUrl}/`,
      'System.TeamProject': 'shop',
      'Build.Repository.ID': repositoryId,
      'Build.Repository.Name': 'web',
      'Build.BuildId': String(build),
      'Build.SourceVersion': build.toString(16).padStart(40, 'a'),
    };
  }

  /** Warnings that belong to no file, but the one setResult repeats the result message in. */
  const warnings = (run: TaskRun) =>
    run.issues.filter(
      i =>
        i.type === 'warning' &&
        !i.properties.sourcepath &&
        i.message !== run.resultMessage,
    );
  const requestsFor = (id: number) =>
    ado.requests.filter(r => r.path.includes(`/pullRequests/${id}/`));

  it('sets a failed status and opens one active thread with the problems, then edits it in place and resolves it when fixed', async () => {
    const id = openPullRequest();
    const root = makeRepo({
      'catalog-info.yaml': `${teamA}---\n${component('Payments Service')}`,
    });
    const vars = prVariables(id);
    const first = await runTask(TASK, {
      sourcesDirectory: root,
      variables: vars,
      systemAccessToken: 'job-token',
    });
    assert.equal(first.result, 'Failed', first.stdout);
    assert.deepEqual(warnings(first), [], first.stdout);

    const [status] = pr(id).statuses!;
    assert.deepEqual(
      [status.state, status.context, status.targetUrl],
      [
        'failed',
        { genre: 'stagedoor', name: 'catalog' },
        `${ado.orgUrl}/shop/_build/results?buildId=${vars['Build.BuildId']}`,
      ],
    );
    assert.match(status.description ?? '', /1 error/);
    assert.equal(pr(id).threads!.length, 1);
    const thread = pr(id).threads![0];
    assert.equal(thread.status, 'active');
    assert.equal(thread.comments.length, 1);
    const content = thread.comments[0].content;
    assert.ok(content.startsWith(MARKER), content);
    assert.match(content, /`catalog-info\.yaml:12`/);
    assert.match(
      content,
      /metadata\.name "Payments Service" is not a valid name/,
    );
    assert.match(content, /`catalog\/field-format`/);
    assert.match(content, /no Backstage service connection/);
    // Every request was one the spec knows, answered without error.
    for (const r of requestsFor(id))
      assert.ok(r.status < 300, `${r.method} ${r.path} ${r.status}`);

    // Fixed: the same thread, its first comment edited, resolved; a succeeded status.
    const fixed = makeRepo({
      'catalog-info.yaml': `${teamA}---\n${component('payments-service')}`,
    });
    const second = await runTask(TASK, {
      sourcesDirectory: fixed,
      variables: prVariables(id),
      systemAccessToken: 'job-token',
    });
    assert.equal(second.result, 'Succeeded', second.stdout);
    assert.deepEqual(
      pr(id).statuses!.map(s => s.state),
      ['failed', 'succeeded'],
    );
    assert.equal(pr(id).threads!.length, 1, 'still one thread');
    const after = pr(id).threads![0];
    assert.equal(after.status, 'closed');
    assert.equal(after.comments.length, 1);
    assert.ok(after.comments[0].content.startsWith(MARKER));
    assert.match(
      after.comments[0].content,
      /✅ Backstage catalog: 1 file valid/,
    );
    assert.doesNotMatch(after.comments[0].content, /Payments Service/);
    assert.deepEqual(
      requestsFor(id).map(r => r.operationId),
      [
        'Pull Request Statuses_Create',
        'Pull Request Threads_List',
        'Pull Request Threads_Create',
        'Pull Request Statuses_Create',
        'Pull Request Threads_List',
        'Pull Request Thread Comments_Update',
        'Pull Request Threads_Update',
      ],
    );
    for (const r of requestsFor(id)) assert.equal(r.apiVersion, '7.1');

    // Broken again: the resolved thread is reactivated, still one.
    await runTask(TASK, {
      sourcesDirectory: root,
      variables: prVariables(id),
      systemAccessToken: 'job-token',
    });
    assert.equal(pr(id).threads!.length, 1);
    assert.equal(pr(id).threads![0].status, 'active');
  });

  it('without permission to write to the pull request, warns once and keeps the build result', async () => {
    for (const files of [
      { 'catalog-info.yaml': `${teamA}---\n${component('Bad Name')}` },
      { 'catalog-info.yaml': `${teamA}---\n${component('good-name')}` },
    ]) {
      const id = openPullRequest();
      const root = makeRepo(files);
      const plain = await runTask(TASK, { sourcesDirectory: root });
      const run = await runTask(TASK, {
        sourcesDirectory: root,
        variables: prVariables(id),
        systemAccessToken: 'read-only-token',
      });
      assert.equal(run.result, plain.result, run.stdout);
      const w = warnings(run);
      assert.equal(w.length, 1, run.stdout);
      assert.match(w[0].message, /Contribute to pull requests/);
      assert.match(
        w[0].message,
        /SYSTEM_ACCESSTOKEN: \$\(System\.AccessToken\)/,
      );
      assert.match(w[0].message, /403: TF401027: .*PullRequestContribute/);
      assert.equal(pr(id).statuses, undefined);
      assert.equal(pr(id).threads, undefined);
      // Registered as a secret (the agent masks it) and never printed in a message.
      assert.ok(run.secrets.includes('read-only-token'));
      for (const line of [...run.log, ...run.issues.map(i => i.message)])
        assert.ok(!line.includes('read-only-token'), line);
    }
  });

  it('retries a throttled call, and turns a service that keeps failing into one warning', async () => {
    const id = openPullRequest();
    const root = makeRepo({
      'catalog-info.yaml': `${teamA}---\n${component('Bad Name')}`,
    });
    ado.failNext(
      'Pull Request Threads_List',
      503,
      'Service Unavailable',
      undefined,
      {
        'retry-after': '0',
      },
    );
    const retried = await runTask(TASK, {
      sourcesDirectory: root,
      variables: prVariables(id),
      systemAccessToken: 'job-token',
    });
    assert.equal(retried.result, 'Failed');
    assert.deepEqual(warnings(retried), [], retried.stdout);
    assert.equal(pr(id).threads!.length, 1);

    ado.intercept = r =>
      r.operationId === 'Pull Request Thread Comments_Update'
        ? { status: 500, message: 'TF246017: database unavailable' }
        : undefined;
    try {
      const failing = await runTask(TASK, {
        sourcesDirectory: root,
        variables: prVariables(id),
        systemAccessToken: 'job-token',
        timeoutMs: 120_000,
      });
      assert.equal(failing.result, 'Failed');
      const w = warnings(failing);
      assert.equal(w.length, 1, failing.stdout);
      assert.match(w[0].message, /Could not post the result to pull request/);
      // The first try and 2 retries, then it gives up.
      assert.equal(
        requestsFor(id).filter(
          r => r.operationId === 'Pull Request Thread Comments_Update',
        ).length,
        3,
      );
    } finally {
      ado.intercept = undefined;
    }
  });

  it('lists the first 100 problems in the thread and counts the rest', async () => {
    const id = openPullRequest();
    const docs = Array.from({ length: 105 }, (_, i) =>
      component(`Bad Name ${i}`),
    );
    const root = makeRepo({
      'catalog-info.yaml': `${teamA}---\n${docs.join('---\n')}`,
    });
    await runTask(TASK, {
      sourcesDirectory: root,
      variables: prVariables(id),
      systemAccessToken: 'job-token',
    });
    const content = pr(id).threads![0].comments[0].content;
    assert.equal(content.match(/^\| ❌ error \|/gm)?.length, 100);
    assert.match(content, /…and 5 more: every problem is in the run's log/);
  });

  it('without the job token, warns once how to map it and keeps the build result', async () => {
    const id = openPullRequest();
    const root = makeRepo({ 'catalog-info.yaml': teamA });
    const run = await runTask(TASK, {
      sourcesDirectory: root,
      variables: prVariables(id),
    });
    assert.equal(run.result, 'Succeeded', run.stdout);
    const w = warnings(run);
    assert.equal(w.length, 1, run.stdout);
    assert.match(w[0].message, /No job access token/);
    assert.match(w[0].message, /SYSTEM_ACCESSTOKEN: \$\(System\.AccessToken\)/);
    assert.deepEqual(requestsFor(id), []);
  });

  it('does nothing on a pull request when the build is not a pull-request build or feedback is off', async () => {
    const id = openPullRequest();
    const root = makeRepo({ 'catalog-info.yaml': teamA });
    const ci = await runTask(TASK, {
      sourcesDirectory: root,
      variables: { ...prVariables(id), 'Build.Reason': 'IndividualCI' },
      systemAccessToken: 'job-token',
    });
    const off = await runTask(TASK, {
      sourcesDirectory: root,
      inputs: { pullRequestFeedback: 'false' },
      variables: prVariables(id),
      systemAccessToken: 'job-token',
    });
    assert.equal(ci.result, 'Succeeded');
    assert.equal(off.result, 'Succeeded');
    assert.deepEqual(requestsFor(id), []);
  });

  describe('stagedoor validate --pull-request', () => {
    const cli = (args: string[], cwd: string, env: NodeJS.ProcessEnv) =>
      runStagedoor(['validate', ...args], { cwd, env });
    /** The agent's variables as a script step sees them, with the job token mapped. */
    const agentEnv = (id: number, token = 'job-token') => ({
      ...Object.fromEntries(
        Object.entries(prVariables(id)).map(([k, v]) => [envName(k), v]),
      ),
      SYSTEM_ACCESSTOKEN: token,
    });

    it('reports on the pull request from the agent variables, and flags override them', async () => {
      const id = openPullRequest();
      const broken = makeRepo({
        'catalog-info.yaml': `${teamA}---\n${component('Bad Name')}`,
      });
      const first = await cli(['--pull-request'], broken, agentEnv(id));
      assert.equal(first.code, 1, first.stderr);
      assert.match(first.stderr, /Opened the catalog thread/);
      assert.equal(pr(id).statuses![0].state, 'failed');
      assert.equal(pr(id).threads![0].status, 'active');

      const fixed = makeRepo({ 'catalog-info.yaml': teamA });
      const env = { ...agentEnv(0), SYSTEM_PULLREQUEST_PULLREQUESTID: '' };
      const second = await cli(
        ['--pull-request', '--pull-request-id', String(id)],
        fixed,
        env,
      );
      assert.equal(second.code, 0, second.stderr);
      assert.equal(pr(id).threads!.length, 1);
      assert.equal(pr(id).threads![0].status, 'closed');
      assert.deepEqual(
        pr(id).statuses!.map(s => s.state),
        ['failed', 'succeeded'],
      );
      assert.ok(!second.stderr.includes('job-token'));
    });

    it('names what is missing, and warns once without permission', async () => {
      const root = makeRepo({ 'catalog-info.yaml': teamA });
      const usage = await cli(['--pull-request'], root, {});
      assert.equal(usage.code, 2);
      assert.match(
        usage.stderr,
        /--pull-request needs --pull-request-id or SYSTEM_PULLREQUEST_PULLREQUESTID, --collection-uri or SYSTEM_COLLECTIONURI/,
      );
      const id = openPullRequest();
      const denied = await cli(
        ['--pull-request'],
        root,
        agentEnv(id, 'read-only-token'),
      );
      assert.equal(denied.code, 0, denied.stderr);
      assert.equal(denied.stderr.match(/^warning: /gm)?.length, 1);
      assert.match(denied.stderr, /Contribute to pull requests/);
      assert.equal(pr(id).threads, undefined);
    });
  });

  describe('with a Backstage connection', () => {
    let backend: NotifyBackend;
    before(async () => {
      backend = await startNotifyBackend();
    });
    after(async () => backend?.stop());

    it('shows the entities the merge would add, change and remove in the live catalog', async () => {
      // What main holds in the catalog today: the group, a, b and c.
      const seed = await fetch(
        `${backend.baseUrl}/api/catalog/stagedoor/v1/push`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${TOKEN}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            source: {
              organizationUrl: `${ado.orgUrl}/`,
              project: 'shop',
              repositoryName: 'web',
              repositoryId,
              branch: 'refs/heads/main',
              commit: 'b'.repeat(40),
            },
            files: [
              {
                path: 'catalog-info.yaml',
                content: `${component('svc-a')}---\n${component('svc-b')}---\n${component('svc-c')}`,
              },
            ],
          }),
          signal: AbortSignal.timeout(60_000),
        },
      );
      assert.equal(seed.status, 200, await seed.text());

      // The pull request: b gets a description, c goes, d comes.
      const id = openPullRequest();
      const root = makeRepo({
        'catalog-info.yaml': `${component('svc-a')}---\n${component('svc-b', '  description: Now described\n')}---\n${component('svc-d')}`,
      });
      const run = await runTask(TASK, {
        sourcesDirectory: root,
        inputs: { backstageConnection: 'backstage-prod' },
        endpoints: tokenEndpoint(backend.baseUrl),
        variables: prVariables(id),
        systemAccessToken: 'job-token',
        timeoutMs: 120_000,
      });
      // The owner team-a lives elsewhere: warnings, not errors.
      assert.equal(run.result, 'SucceededWithIssues', run.stdout + run.stderr);
      assert.deepEqual(warnings(run), [], run.stdout);
      const content = pr(id).threads![0].comments[0].content;
      assert.match(content, /\*\*Added\*\* \(1\): `component:default\/svc-d`/);
      assert.match(
        content,
        /\*\*Changed\*\* \(1\): `component:default\/svc-b`/,
      );
      assert.match(
        content,
        /\*\*Removed\*\* \(1\): `component:default\/svc-c`/,
      );
      assert.match(content, /Unchanged: 1/);
      assert.equal(pr(id).threads![0].status, 'active');
      // A dry run: the source still stands at the seeded commit.
      const key = /for `([^`]+)`/.exec(content)![1];
      const source = await backend.get(
        `/stagedoor/v1/sources/${encodeURIComponent(key)}`,
      );
      assert.equal(source.body.commit, 'b'.repeat(40));
    });
  });
});
