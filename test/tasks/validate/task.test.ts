import { strict as assert } from 'node:assert';
import { runTask, TaskRun } from '../../fixtures/agent';
import { cleanRepos, component, ensureBuilt, makeRepo, teamA } from './helpers';

const TASK = 'BackstageCatalogValidateV1';

function logIssues(run: TaskRun) {
  // task.issue lines come from setResult itself; logissue lines are the problems.
  return run.commands.filter(c => c.command === 'task.logissue');
}

describe('BackstageCatalogValidate@1 run by the agent', function () {
  this.timeout(180_000);
  before(() => ensureBuilt());
  after(() => cleanRepos());

  it('fails on errors with one issue per problem on its file, line and column, and a summary', async () => {
    const root = makeRepo({
      'catalog-info.yaml': `${teamA}---\n${component('Payments Service')}`,
      'svc/catalog-info.yaml': component('billing', '', 'team-b'),
    });
    const run = await runTask(TASK, { sourcesDirectory: root });
    assert.equal(run.result, 'Failed', run.stdout);
    const issues = logIssues(run).map(c => c.properties);
    assert.deepEqual(
      issues.map(i => [
        i.type,
        i.sourcepath,
        i.linenumber,
        i.columnnumber,
        i.code,
      ]),
      [
        ['error', 'catalog-info.yaml', '12', '9', 'catalog/field-format'],
        ['warning', 'svc/catalog-info.yaml', '8', '10', 'ref/unresolved'],
      ],
    );
    assert.match(
      logIssues(run)[0].message,
      /metadata.name "Payments Service" is not a valid name/,
    );
    assert.equal(run.summaries.length, 1);
    assert.match(
      run.summaries[0].content,
      /\| group:default\/team-a \| Group \| catalog-info.yaml:1 \| 0 \|/,
    );
    assert.match(
      run.summaries[0].content,
      /catalog-info.yaml:12:9 \| `catalog\/field-format`/,
    );
    assert.deepEqual(
      [
        run.variables.STAGEDOOR_VALIDATE_RAN,
        run.variables.entityCount,
        run.variables.errorCount,
        run.variables.warningCount,
      ],
      ['true', '2', '1', '1'],
    );
    assert.match(
      run.resultMessage ?? '',
      /2 files: 2 valid entities, 1 error, 1 warning/,
    );
  });

  it('succeeds with issues on warnings, and fails on them with failOn warning', async () => {
    const root = makeRepo({
      'catalog-info.yaml': component('billing', '', 'team-b'),
    });
    assert.equal(
      (await runTask(TASK, { sourcesDirectory: root })).result,
      'SucceededWithIssues',
    );
    assert.equal(
      (
        await runTask(TASK, {
          sourcesDirectory: root,
          inputs: { failOn: 'warning' },
        })
      ).result,
      'Failed',
    );
  });

  it('only reports errors with failOn never, and raises warnings with strict', async () => {
    const root = makeRepo({
      'catalog-info.yaml':
        component('Bad Name') + '---\n' + component('billing', '', 'team-b'),
    });
    const never = await runTask(TASK, {
      sourcesDirectory: root,
      inputs: { failOn: 'never' },
    });
    assert.equal(never.result, 'SucceededWithIssues');
    const strict = await runTask(TASK, {
      sourcesDirectory: root,
      inputs: { failOn: 'never', strict: 'true' },
    });
    // The bad name, and both owners no file defines (every independent problem is reported).
    assert.deepEqual(
      logIssues(strict).map(c => c.properties.type),
      ['error', 'error', 'error'],
    );
  });

  it('succeeds on a clean repository, on the Node24 handler too', async () => {
    const root = makeRepo({
      'catalog-info.yaml': `${teamA}---\n${component('billing')}`,
    });
    for (const handler of ['Node20_1', 'Node24']) {
      const run = await runTask(TASK, { sourcesDirectory: root, handler });
      assert.equal(run.result, 'Succeeded', run.stdout);
      assert.deepEqual(logIssues(run), []);
    }
  });

  it('is a quiet no-op in a repository without catalog files', async () => {
    const root = makeRepo({
      'README.md': '# no catalog here\n',
      'azure-pipelines.yml': 'trigger: [main]\n',
    });
    const run = await runTask(TASK, { sourcesDirectory: root });
    assert.equal(run.result, 'Succeeded');
    assert.deepEqual(run.issues, []);
    assert.deepEqual(run.summaries, []);
    assert.equal(run.log.length, 1, run.log.join('\n'));
    assert.match(run.log[0], /No catalog files found/);
    assert.equal(run.variables.STAGEDOOR_VALIDATE_RAN, 'true');
  });

  it('follows Location targets, globs included, and reports problems in the files they point at', async () => {
    const root = makeRepo({
      'catalog-info.yaml':
        'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  targets: [./org/team.yaml, ./services/*.yaml, ./gone.yaml]\n',
      'org/team.yaml': teamA,
      'services/a.yaml': component('a'),
      'services/b.yaml': component('b', '  tags: [Bad Tag]\n'),
    });
    const run = await runTask(TASK, { sourcesDirectory: root });
    assert.equal(run.result, 'Failed');
    assert.deepEqual(
      logIssues(run).map(
        c =>
          `${c.properties.sourcepath}:${c.properties.linenumber} ${c.properties.code}`,
      ),
      [
        'catalog-info.yaml:6 location/target-missing',
        'services/b.yaml:5 catalog/field-format',
      ],
    );
    assert.equal(
      run.variables.entityCount,
      '3',
      'the Location, the group and a',
    );
  });

  it('applies the policy file and the policy inputs', async () => {
    const root = makeRepo({
      '.stagedoor.yaml':
        'validate:\n  allowedLifecycles: [production]\n  requiredTags: [payments]\n  rules:\n    policy/tag: error\n',
      'catalog-info.yaml': `${teamA}---\n${component('billing', '  tags: [payments]\n')}`,
    });
    const run = await runTask(TASK, {
      sourcesDirectory: root,
      inputs: { allowedKinds: 'Component' },
    });
    assert.deepEqual(
      logIssues(run).map(
        c =>
          `${c.properties.type} ${c.properties.code} ${c.properties.linenumber}`,
      ),
      ['warning policy/kind 2', 'error policy/tag 3'],
    );
    assert.equal(run.result, 'Failed');
  });

  it('fails with a message that names a broken policy file', async () => {
    const root = makeRepo({
      'catalog-info.yaml': teamA,
      'policy.yaml': 'validate:\n  allowedKind: [Component]\n',
    });
    const run = await runTask(TASK, {
      sourcesDirectory: root,
      inputs: { policyFile: `${root}/policy.yaml` },
    });
    assert.equal(run.result, 'Failed');
    assert.match(
      run.resultMessage ?? '',
      /policy.yaml: validate: Unrecognized key\(s\) in object: 'allowedKind'/,
    );
  });

  it('gives each bad file one clear problem and validates the others, without hanging', async () => {
    const root = makeRepo({
      'catalog-info.yaml': teamA,
      'empty/catalog-info.yaml': '',
      'binary/catalog-info.yaml': new Uint8Array([
        0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1,
      ]),
      'latin1/catalog-info.yaml': Buffer.from(
        'apiVersion: caf\xe9\n',
        'latin1',
      ),
      'huge/catalog-info.yaml': new Uint8Array(50 * 1024 * 1024).fill(0x61),
      'deep/catalog-info.yaml': '['.repeat(200_000) + ']'.repeat(200_000),
      'bomb/catalog-info.yaml':
        'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
      'azure-pipelines.yml':
        'trigger: [main]\npool:\n  vmImage: ubuntu-latest\n',
    });
    const run = await runTask(TASK, {
      sourcesDirectory: root,
      inputs: { patterns: '**/catalog-info.yaml\n**/*.yml' },
      timeoutMs: 120_000,
    });
    const byFile = Object.fromEntries(
      logIssues(run).map(c => [c.properties.sourcepath, c.properties.code]),
    );
    assert.deepEqual(byFile, {
      'empty/catalog-info.yaml': 'file/empty',
      'binary/catalog-info.yaml': 'file/binary',
      'latin1/catalog-info.yaml': 'file/encoding',
      'huge/catalog-info.yaml': 'file/too-large',
      'deep/catalog-info.yaml': 'yaml/too-deep',
      'bomb/catalog-info.yaml': 'yaml/alias-budget',
      'azure-pipelines.yml': 'entity/not-an-entity',
    });
    assert.equal(logIssues(run).length, 7);
    assert.equal(run.variables.entityCount, '1');
    assert.equal(run.result, 'Failed');
  });
});
