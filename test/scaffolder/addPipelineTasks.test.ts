import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'yaml';
import {
  addStagedoorTasks,
  createPipelineAddTasksAction,
} from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';
import { invoke, rejects } from './helpers';

const SETTINGS = {
  entityRef: 'component:default/payments',
  backstageConnection: 'backstage',
  azureConnection: 'techdocs-storage',
  storageAccount: 'stagedoortechdocs',
  containerName: 'techdocs',
  defaultBranch: 'main',
};

const EXISTING = `# Build of payments. Owned by the payments team.
trigger:
  - main # only main

pool:
  vmImage: ubuntu-latest # hosted

steps:
  # Tests first
  - script: npm ci && npm test
    displayName: Install and test
`;

describe('stagedoor:pipeline:add-tasks', () => {
  let workspace: string;
  beforeEach(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'stagedoor-tasks-'));
  });
  afterEach(() => rm(workspace, { recursive: true, force: true }));

  it('adds the three tasks after the existing steps and keeps every comment and line of the file', () => {
    const { text, added } = addStagedoorTasks(EXISTING, SETTINGS);
    assert.deepEqual(added, [
      'BackstageCatalogValidate',
      'BackstageTechDocsPublish',
      'BackstageCatalogNotify',
    ]);
    assert.ok(
      text.startsWith(EXISTING),
      `the original text is kept as it was:\n${text}`,
    );
    const steps = yaml.parse(text).steps;
    assert.deepEqual(
      steps.map((s: any) => s.task ?? s.script),
      [
        'npm ci && npm test',
        'BackstageCatalogValidate@1',
        'BackstageTechDocsPublish@1',
        'BackstageCatalogNotify@1',
      ],
    );
    assert.equal(steps[2].inputs.entityRef, 'component:default/payments');
    assert.match(steps[3].condition, /refs\/heads\/main/);
    assert.equal(
      addStagedoorTasks(text, SETTINGS).added.length,
      0,
      'a second run adds nothing',
    );
  });

  it('finds the steps of the last job of the last stage, and adds only missing tasks', () => {
    const staged = `stages:
  - stage: Build
    jobs:
      - job: build # the job
        steps:
          - task: BackstageCatalogValidate@1
`;
    const { text, added } = addStagedoorTasks(staged, SETTINGS);
    assert.deepEqual(added, [
      'BackstageTechDocsPublish',
      'BackstageCatalogNotify',
    ]);
    assert.match(text, /# the job/);
    assert.equal(yaml.parse(text).stages[0].jobs[0].steps.length, 3);
    assert.throws(
      () => addStagedoorTasks('trigger: none\n', SETTINGS),
      /no steps list/,
    );
    assert.throws(
      () => addStagedoorTasks('steps: [\n', SETTINGS),
      /not valid YAML/,
    );
  });

  it('edits the workspace file in place, or writes a new one, and stays in the workspace', async () => {
    await mkdir(join(workspace, 'repo'));
    await writeFile(join(workspace, 'repo', 'azure-pipelines.yml'), EXISTING);
    const input = {
      path: 'repo/azure-pipelines.yml',
      entityRef: SETTINGS.entityRef,
      storageAccount: SETTINGS.storageAccount,
    };
    const edited = await invoke(createPipelineAddTasksAction(), input, {
      workspacePath: workspace,
    });
    assert.equal(edited.outputs.created, false);
    const text = await readFile(
      join(workspace, 'repo', 'azure-pipelines.yml'),
      'utf8',
    );
    assert.ok(text.startsWith(EXISTING));

    const fresh = await invoke(
      createPipelineAddTasksAction(),
      { ...input, path: 'other/azure-pipelines.yml' },
      { workspacePath: workspace },
    );
    assert.equal(fresh.outputs.created, true);
    const doc = yaml.parse(
      await readFile(join(workspace, 'other', 'azure-pipelines.yml'), 'utf8'),
    );
    assert.equal(doc.steps.length, 3);
    assert.equal(doc.steps[2].inputs.backstageConnection, 'backstage');

    await rejects(
      invoke(
        createPipelineAddTasksAction(),
        { ...input, path: '../outside.yml' },
        { workspacePath: workspace },
      ),
      'NotAllowedError',
      /outside its parent/,
    );
  });
});
