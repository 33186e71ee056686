import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_GUARDRAILS,
  createPullRequestCreateAction,
} from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import { FakeAzureDevOps } from '../fixtures/azure-devops';
import { branchHead } from '../fixtures/azure-devops/git';
import {
  invoke,
  operations,
  patIntegrations,
  rejects,
  startFake,
} from './helpers';

describe('azure:pr:create', () => {
  let fake: FakeAzureDevOps;
  let workspace: string;
  const REVIEWER = '5f8c2a31-0d6e-4a4b-9a55-0c1c2b1f4e77';

  beforeEach(async () => {
    fake = await startFake();
    const repo = fake.state.projects[0].repositories[0];
    repo.files.set('/README.md', Buffer.from('# payments\n'));
    repo.files.set('/azure-pipelines.yml', Buffer.from('steps: []\n'));
    workspace = await mkdtemp(join(tmpdir(), 'stagedoor-pr-'));
    await mkdir(join(workspace, 'out', 'docs'), { recursive: true });
    await writeFile(
      join(workspace, 'out', 'catalog-info.yaml'),
      'kind: Component\n',
    );
    await writeFile(join(workspace, 'out', 'docs', 'index.md'), '# Docs\n');
    // Same content as the repository: no change to commit.
    await writeFile(join(workspace, 'out', 'README.md'), '# payments\n');
    await writeFile(join(workspace, 'out', 'azure-pipelines.yml'), 'steps:\n');
  });
  afterEach(async () => {
    await fake?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  const action = () =>
    createPullRequestCreateAction({ integrations: patIntegrations(fake) });
  const base = () => ({
    organizationUrl: fake.orgUrl,
    project: 'Platform',
    repositoryName: 'payments',
    sourcePath: 'out',
    sourceBranch: 'backstage/onboard',
    title: 'Onboard payments',
    description: 'Adds the catalog entry.',
  });

  it('commits the changed workspace files to a new branch and opens a pull request with reviewers, work items, draft and auto-complete', async () => {
    const { outputs } = await invoke(
      action(),
      {
        ...base(),
        reviewers: [REVIEWER],
        workItemIds: ['4711', 12],
        draft: true,
        autoComplete: true,
        mergeStrategy: 'Squash',
      },
      { workspacePath: workspace },
    );
    const repo = fake.state.projects[0].repositories[0];
    const branch = repo.branches?.get('refs/heads/backstage/onboard');
    assert.ok(branch, 'the branch was created by the push');
    assert.equal(
      branch.get('/catalog-info.yaml')?.toString(),
      'kind: Component\n',
    );
    assert.equal(branch.get('/docs/index.md')?.toString(), '# Docs\n');
    assert.equal(branch.get('/azure-pipelines.yml')?.toString(), 'steps:\n');
    assert.equal(branch.get('/README.md')?.toString(), '# payments\n');
    assert.equal(
      repo.files.get('/azure-pipelines.yml')?.toString(),
      'steps: []\n',
      'the default branch is untouched',
    );
    assert.deepEqual(outputs.changedFiles, [
      '/azure-pipelines.yml',
      '/catalog-info.yaml',
      '/docs/index.md',
    ]);
    const push = fake.requests.find(r => r.operationId === 'Pushes_Create')!;
    assert.deepEqual(
      push.body.commits[0].changes.map((c: any) => c.changeType),
      ['edit', 'add', 'add'],
    );
    const pr = fake.state.pullRequests[0];
    assert.equal(outputs.pullRequestId, pr.id);
    assert.equal(outputs.created, true);
    assert.match(
      String(outputs.pullRequestUrl),
      new RegExp(`/Platform/_git/payments/pullrequest/${pr.id}$`),
    );
    assert.deepEqual(
      [pr.sourceRefName, pr.targetRefName, pr.isDraft, pr.reviewers],
      ['refs/heads/backstage/onboard', 'refs/heads/main', true, [REVIEWER]],
    );
    assert.deepEqual(pr.workItemIds, ['4711', '12']);
    assert.match(
      pr.description,
      /^Adds the catalog entry\. \[Created from Backstage by user:default\/alice, scaffolder task task-1\]$/,
    );
    assert.deepEqual(pr.completionOptions, {
      deleteSourceBranch: true,
      mergeStrategy: 'squash',
    });
    assert.equal(pr.autoCompleteSetBy?.id, pr.createdBy.id);
    assert.equal(
      outputs.commitId,
      branchHead(repo, 'refs/heads/backstage/onboard'),
    );
  });

  it('is idempotent: a second run updates and returns the open pull request, committing only what changed', async () => {
    const first = await invoke(action(), base(), { workspacePath: workspace });
    const before = fake.requests.length;
    const again = await invoke(
      action(),
      { ...base(), title: 'Onboard payments (v2)' },
      { workspacePath: workspace },
    );
    assert.equal(again.outputs.pullRequestId, first.outputs.pullRequestId);
    assert.equal(again.outputs.created, false);
    assert.equal(again.outputs.commitId, '');
    assert.deepEqual(again.outputs.changedFiles, []);
    assert.ok(!operations(fake, before).includes('Pushes_Create'));
    assert.ok(operations(fake, before).includes('Pull Requests_Update'));
    assert.equal(fake.state.pullRequests.length, 1);
    assert.equal(fake.state.pullRequests[0].title, 'Onboard payments (v2)');

    await writeFile(join(workspace, 'out', 'docs', 'index.md'), '# Docs v2\n');
    const third = await invoke(action(), base(), { workspacePath: workspace });
    assert.deepEqual(third.outputs.changedFiles, ['/docs/index.md']);
    const repo = fake.state.projects[0].repositories[0];
    assert.equal(
      repo.branches
        ?.get('refs/heads/backstage/onboard')
        ?.get('/docs/index.md')
        ?.toString(),
      '# Docs v2\n',
    );
    assert.equal(fake.state.pullRequests.length, 1);
  });

  it('changes nothing in a dry run and lists what it would commit', async () => {
    const before = fake.requests.length;
    const { outputs, logs } = await invoke(action(), base(), {
      dryRun: true,
      workspacePath: workspace,
    });
    const ops = operations(fake, before);
    assert.ok(!ops.includes('Pushes_Create'));
    assert.ok(!ops.some(o => o.startsWith('Pull Requests_')));
    assert.deepEqual(outputs.changedFiles, [
      '/azure-pipelines.yml',
      '/catalog-info.yaml',
      '/docs/index.md',
    ]);
    assert.equal(outputs.pullRequestId, 0);
    assert.match(
      logs.join('\n'),
      /would commit edit \/azure-pipelines.yml, add \/catalog-info.yaml, add \/docs\/index.md to backstage\/onboard/,
    );
    assert.match(
      logs.join('\n'),
      /\/azure-pipelines.yml would change:\n- steps: \[\]\n\+ steps:/,
    );
  });

  it('opens a pull request from an existing branch with the community inputs, and explains a missing one', async () => {
    const community = {
      organization: fake.orgUrl.split('/').pop(),
      organizationUrl: fake.orgUrl,
      project: 'Platform',
      repoName: 'payments',
      sourceBranch: 'scaffolder',
      targetBranch: 'main',
      title: 'Changes from Backstage',
      workItemId: '7',
    };
    await rejects(
      invoke(action(), community),
      'InputError',
      /Branch scaffolder does not exist in payments/,
    );
    await invoke(
      action(),
      { ...base(), sourceBranch: 'scaffolder', title: 'push' },
      { workspacePath: workspace },
    );
    fake.state.pullRequests[0].status = 'completed';
    const { outputs } = await invoke(action(), community);
    assert.equal(outputs.created, true);
    const pr = fake.state.pullRequests.find(
      p => p.id === outputs.pullRequestId,
    )!;
    assert.deepEqual(pr.workItemIds, ['7']);
    await rejects(
      invoke(action(), { ...community, workItemId: 'abc' }),
      'InputError',
      /Work item ids must be numbers/,
    );
  });

  it('refuses a sourcePath outside the workspace and a project outside the guardrails, before any request', async () => {
    await rejects(
      invoke(
        action(),
        { ...base(), sourcePath: '../..' },
        { workspacePath: workspace },
      ),
      'InputError',
      /leaves the workspace/,
    );
    const guarded = createPullRequestCreateAction({
      integrations: patIntegrations(fake),
      guardrails: {
        ...DEFAULT_GUARDRAILS,
        targets: [
          {
            actions: ['azure:pr:create'],
            organizations: ['*'],
            projects: ['Shared'],
          },
        ],
      },
    });
    const before = fake.requests.length;
    await rejects(
      invoke(guarded, base(), { workspacePath: workspace }),
      'NotAllowedError',
      /azure:pr:create may not act in project 'Platform'/,
    );
    assert.equal(fake.requests.length, before);
  });
});
