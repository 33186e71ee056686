import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_GUARDRAILS,
  createRepositoryCloneAction,
  createRepositoryPushAction,
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

describe('azure:repository:clone and azure:repository:push', () => {
  let fake: FakeAzureDevOps;
  let workspace: string;
  const remoteUrl = () => `${fake.orgUrl}/Platform/_git/payments`;

  beforeEach(async () => {
    fake = await startFake();
    const repo = fake.state.projects[0].repositories[0];
    repo.files.set('/README.md', Buffer.from('# payments\n'));
    repo.files.set('/src/app.ts', Buffer.from('export {};\n'));
    repo.files.set('/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]));
    workspace = await mkdtemp(join(tmpdir(), 'stagedoor-repo-'));
  });
  afterEach(async () => {
    await fake?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  const clone = () =>
    createRepositoryCloneAction({ integrations: patIntegrations(fake) });
  const push = () =>
    createRepositoryPushAction({ integrations: patIntegrations(fake) });

  it('clones the default branch by its URL (community inputs) into a workspace folder, binary files intact', async () => {
    const { outputs } = await invoke(
      clone(),
      { remoteUrl: remoteUrl(), targetPath: './repo', cloneDepth: 1 },
      { workspacePath: workspace },
    );
    const repo = fake.state.projects[0].repositories[0];
    assert.equal(outputs.cloneFullPath, join(workspace, 'repo'));
    assert.equal(outputs.commitId, branchHead(repo, 'refs/heads/main'));
    assert.equal(
      await readFile(join(workspace, 'repo', 'src', 'app.ts'), 'utf8'),
      'export {};\n',
    );
    assert.deepEqual(
      await readFile(join(workspace, 'repo', 'logo.png')),
      repo.files.get('/logo.png'),
    );
  });

  it('clones in a dry run too (read-only), and explains a missing branch or a bad URL', async () => {
    await invoke(
      clone(),
      {
        organizationUrl: fake.orgUrl,
        project: 'Platform',
        repositoryName: 'payments',
      },
      { workspacePath: workspace, dryRun: true },
    );
    assert.equal(
      await readFile(join(workspace, 'README.md'), 'utf8'),
      '# payments\n',
    );
    await rejects(
      invoke(
        clone(),
        { remoteUrl: remoteUrl(), branch: 'nope' },
        { workspacePath: workspace },
      ),
      'NotFoundError',
      /Branch nope does not exist in payments/,
    );
    await rejects(
      invoke(
        clone(),
        { remoteUrl: `${fake.orgUrl}/Platform/payments` },
        { workspacePath: workspace },
      ),
      'InputError',
      /not an Azure Repos clone URL/,
    );
  });

  it('pushes the edited clone to a new branch with the author, then only what changed', async () => {
    await invoke(
      clone(),
      { remoteUrl: remoteUrl(), targetPath: 'repo' },
      { workspacePath: workspace },
    );
    await writeFile(join(workspace, 'repo', 'README.md'), '# payments v2\n');
    await writeFile(join(workspace, 'repo', 'catalog-info.yaml'), 'kind: x\n');
    await unlink(join(workspace, 'repo', 'logo.png'));
    const input = {
      remoteUrl: remoteUrl(),
      branch: 'backstage/onboard',
      sourcePath: 'repo',
      gitCommitMessage: 'Onboard',
      gitAuthorName: 'Backstage',
      gitAuthorEmail: 'backstage@contoso.test',
    };
    const dry = await invoke(push(), input, {
      workspacePath: workspace,
      dryRun: true,
    });
    assert.deepEqual(dry.outputs.changedFiles, [
      '/catalog-info.yaml',
      '/README.md',
    ]);
    assert.ok(!operations(fake).includes('Pushes_Create'));

    const { outputs } = await invoke(push(), input, {
      workspacePath: workspace,
    });
    const repo = fake.state.projects[0].repositories[0];
    const branch = repo.branches!.get('refs/heads/backstage/onboard')!;
    assert.equal(branch.get('/README.md')?.toString(), '# payments v2\n');
    assert.equal(branch.get('/catalog-info.yaml')?.toString(), 'kind: x\n');
    assert.ok(branch.has('/logo.png'), 'deletions are not pushed');
    assert.equal(
      outputs.commitId,
      branchHead(repo, 'refs/heads/backstage/onboard'),
    );
    const sent = fake.requests.find(r => r.operationId === 'Pushes_Create')!;
    assert.equal(sent.body.commits[0].author.name, 'Backstage');
    assert.equal(sent.body.commits[0].comment, 'Onboard');
    assert.equal(repo.files.get('/README.md')?.toString(), '# payments\n');

    const before = fake.requests.length;
    const again = await invoke(push(), input, { workspacePath: workspace });
    assert.equal(again.outputs.commitId, '');
    assert.ok(!operations(fake, before).includes('Pushes_Create'));
  });

  it('keeps to the guardrails for the project the URL names', async () => {
    const guarded = createRepositoryPushAction({
      integrations: patIntegrations(fake),
      guardrails: {
        ...DEFAULT_GUARDRAILS,
        targets: [{ organizations: ['*'], projects: ['Shared'] }],
      },
    });
    await writeFile(join(workspace, 'a.txt'), 'a');
    const before = fake.requests.length;
    await rejects(
      invoke(guarded, { remoteUrl: remoteUrl() }, { workspacePath: workspace }),
      'NotAllowedError',
      /azure:repository:push may not act in project 'Platform'/,
    );
    assert.equal(fake.requests.length, before);
  });
});
