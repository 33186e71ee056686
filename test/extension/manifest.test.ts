import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  TASK_FOLDERS,
  readJson,
  repoRoot,
  taskFolders,
  tempDir,
} from './helpers';

interface Contribution {
  id: string;
  type: string;
  targets: string[];
  properties: Record<string, any>;
}

interface Manifest {
  id: string;
  publisher: string;
  version: string;
  categories: string[];
  targets: { id: string }[];
  icons: { default: string };
  content: { details: { path: string } };
  files: { path: string; packagePath?: string; addressable?: boolean }[];
  contributions: Contribution[];
  [key: string]: unknown;
}

const manifest = readJson<Manifest>(join(repoRoot, 'vss-extension.json'));
const taskContributions = manifest.contributions.filter(
  c => c.type === 'ms.vss-distributed-task.task',
);

describe('the extension manifest (vss-extension.json)', () => {
  it('identifies the extension for the Marketplace', () => {
    assert.equal(manifest.publisher, 'stagedoor');
    assert.equal(manifest.id, 'stagedoor');
    assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(manifest.categories, ['Azure Pipelines']);
    assert.deepEqual(manifest.targets, [
      { id: 'Microsoft.VisualStudio.Services' },
    ]);
    assert.ok(
      existsSync(join(repoRoot, manifest.icons.default)),
      'icon file missing',
    );
    assert.ok(
      existsSync(join(repoRoot, manifest.content.details.path)),
      'overview.md missing',
    );
    for (const link of Object.values(
      manifest.links as Record<string, { uri: string }>,
    )) {
      assert.match(link.uri, /^https:\/\//);
    }
  });

  it('contributes exactly the three task folders, each by its folder name', () => {
    assert.deepEqual(
      taskContributions.map(c => c.properties.name).sort(),
      [...TASK_FOLDERS].sort(),
    );
    for (const c of taskContributions) {
      assert.deepEqual(c.targets, ['ms.vss-distributed-task.tasks']);
      assert.ok(
        existsSync(join(repoRoot, 'tasks', c.properties.name)),
        `tasks/${c.properties.name} does not exist`,
      );
    }
    const ids = manifest.contributions.map(c => c.id);
    assert.equal(
      new Set(ids).size,
      ids.length,
      'contribution ids must be unique',
    );
  });

  it('packages only task.json, icon.png and dist/ of each task folder, under the folder name', () => {
    for (const file of manifest.files) {
      assert.doesNotMatch(
        file.path,
        /(^|\/)(src|test|node_modules|bench)(\/|$)|\.ts$/,
        `${file.path} must not be packaged`,
      );
    }
    for (const folder of TASK_FOLDERS) {
      const mapped = manifest.files
        .filter(f => f.path.startsWith(`tasks/${folder}/`))
        .map(f => [f.path.slice(`tasks/${folder}/`.length), f.packagePath]);
      assert.deepEqual(mapped.sort(), [
        ['dist', `${folder}/dist`],
        ['icon.png', `${folder}/icon.png`],
        ['task.json', `${folder}/task.json`],
      ]);
    }
  });

  it('describes each contributed task consistently with its task.json', () => {
    for (const task of taskFolders()) {
      const contribution = taskContributions.find(
        c => c.properties.name === task.folder,
      );
      assert.ok(
        contribution,
        `${task.folder} has a task.json but no contribution`,
      );
      assert.equal(task.json.name + 'V' + task.json.version.Major, task.folder);
    }
  });

  it('contributes the Backstage service connection type with a Bearer token scheme and Entra ID data', () => {
    const endpoint = manifest.contributions.find(
      c => c.type === 'ms.vss-endpoint.service-endpoint-type',
    );
    assert.ok(
      endpoint,
      'no ms.vss-endpoint.service-endpoint-type contribution',
    );
    assert.deepEqual(endpoint.targets, ['ms.vss-endpoint.endpoint-types']);
    assert.equal(endpoint.properties.name, 'backstage');
    const schemes = endpoint.properties.authenticationSchemes as any[];
    const token = schemes.find(
      s => s.type === 'ms.vss-endpoint.endpoint-auth-scheme-token',
    );
    assert.ok(token, 'no token scheme');
    assert.deepEqual(token.headers, [
      { name: 'Authorization', value: 'Bearer {{endpoint.apitoken}}' },
    ]);
    const apitoken = token.inputDescriptors.find(
      (d: any) => d.id === 'apitoken',
    );
    assert.equal(
      apitoken?.isConfidential,
      true,
      'apitoken must be confidential',
    );
    assert.ok(
      schemes.some(s => s.type === 'ms.vss-endpoint.endpoint-auth-scheme-none'),
      'no scheme for Entra ID',
    );
    const data = (endpoint.properties.inputDescriptors as any[]).map(d => d.id);
    assert.deepEqual(data, [
      'authenticationMethod',
      'azureSubscription',
      'audience',
    ]);
    const method = (endpoint.properties.inputDescriptors as any[])[0];
    assert.deepEqual(
      method.values.possibleValues.map((v: any) => v.value),
      ['token', 'entra'],
    );
  });

  it('is the connection type the notify task asks for', function () {
    const notify = taskFolders().find(
      t => t.folder === 'BackstageCatalogNotifyV1',
    );
    if (!notify) this.skip();
    const types = (notify!.json.inputs ?? [])
      .filter(i => i.type.startsWith('connectedService:'))
      .map(i => i.type);
    assert.ok(
      types.includes('connectedService:backstage'),
      `notify inputs use ${types.join(', ') || 'no connection'}`,
    );
  });
});

describe('one version source (scripts/version.mjs)', () => {
  it('finds the manifests and the task majors in agreement', () => {
    execFileSync(
      process.execPath,
      [join(repoRoot, 'scripts/version.mjs'), 'check'],
      { cwd: repoRoot },
    );
  });

  it('bumps both manifests and every task together, keeping task majors on their folder', () => {
    const root = tempDir('stagedoor-version-');
    for (const file of ['vss-extension.json', 'vss-extension.decorator.json']) {
      if (existsSync(join(repoRoot, file)))
        cpSync(join(repoRoot, file), join(root, file));
    }
    mkdirSync(join(root, 'tasks'));
    // A stand-in task, so the bump is checked even before the real task.json files land.
    mkdirSync(join(root, 'tasks/ExampleV1'));
    const example = {
      name: 'Example',
      version: { Major: 1, Minor: 4, Patch: 2 },
    };
    writeFileSync(
      join(root, 'tasks/ExampleV1/task.json'),
      JSON.stringify(example, null, 2),
    );
    for (const task of taskFolders()) {
      mkdirSync(join(root, 'tasks', task.folder));
      cpSync(
        join(task.dir, 'task.json'),
        join(root, 'tasks', task.folder, 'task.json'),
      );
    }
    const bump = (kind: string) =>
      execFileSync(
        process.execPath,
        [join(repoRoot, 'scripts/version.mjs'), kind, '--root', root],
        { encoding: 'utf8' },
      );
    const [a, b, c] = manifest.version.split('.').map(Number);

    bump('patch');
    assert.equal(
      readJson(join(root, 'vss-extension.json')).version,
      `${a}.${b}.${c + 1}`,
    );
    assert.deepEqual(
      readJson(join(root, 'tasks/ExampleV1/task.json')).version,
      { Major: 1, Minor: 4, Patch: 3 },
    );

    bump('major');
    assert.equal(
      readJson(join(root, 'vss-extension.json')).version,
      `${a + 1}.0.0`,
    );
    // The task stays on major 1 (its folder) but still moves forward.
    assert.deepEqual(
      readJson(join(root, 'tasks/ExampleV1/task.json')).version,
      { Major: 1, Minor: 5, Patch: 0 },
    );

    bump('minor');
    if (existsSync(join(root, 'vss-extension.decorator.json'))) {
      assert.equal(
        readJson(join(root, 'vss-extension.decorator.json')).version,
        `${a + 1}.1.0`,
      );
    }
    for (const task of taskFolders()) {
      const before = task.json.version;
      const after = readJson(
        join(root, 'tasks', task.folder, 'task.json'),
      ).version;
      assert.deepEqual(
        [Number(after.Major), Number(after.Minor), Number(after.Patch)],
        [Number(before.Major), Number(before.Minor) + 2, 0],
        task.folder,
      );
    }
    assert.ok(statSync(join(root, 'vss-extension.json')).size > 0);
    assert.ok(
      readFileSync(join(root, 'vss-extension.json'), 'utf8').endsWith('}\n'),
    );
  });

  it('refuses an unknown bump with the usage', () => {
    assert.throws(
      () =>
        execFileSync(
          process.execPath,
          [join(repoRoot, 'scripts/version.mjs'), 'bigger'],
          { stdio: 'pipe' },
        ),
      (error: any) =>
        /usage: npm run version -- patch\|minor\|major/.test(
          String(error.stderr),
        ),
    );
  });
});
