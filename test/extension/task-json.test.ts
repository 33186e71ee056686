import Ajv from 'ajv-draft-04';
import { build } from 'esbuild';
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, readJson, repoRoot, taskFolders } from './helpers';

const schemaPath = '/work/shared/reference/azure-pipelines/tasks.schema.json';

/** Names a visibleRule refers to: `a = true && b != x || c`. */
function visibleRuleNames(rule: string): string[] {
  return rule
    .split(/&&|\|\|/)
    .map(
      part =>
        /^\s*([A-Za-z][\w]*)\s*(?:=|!=|<|>|<=|>=|NotEndsWith|EndsWith|NotContains|Contains)/.exec(
          part,
        )?.[1],
    )
    .filter((name): name is string => Boolean(name));
}

describe('task.json of each task', function () {
  const tasks = taskFolders();
  // The task engineers land their task.json files in parallel; the suite checks those present.
  if (tasks.length === 0) {
    it('has at least one task.json to check', function () {
      this.skip();
    });
  }

  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  const validate = ajv.compile(readJson(schemaPath));

  it('gives every task a distinct GUID and name', () => {
    const ids = tasks.map(t => t.json.id.toLowerCase());
    const names = tasks.map(t => t.json.name.toLowerCase());
    assert.equal(
      new Set(ids).size,
      ids.length,
      `duplicate task ids: ${ids.join(', ')}`,
    );
    assert.equal(
      new Set(names).size,
      names.length,
      `duplicate task names: ${names.join(', ')}`,
    );
  });

  for (const task of tasks) {
    describe(task.folder, () => {
      const json = task.json;

      it("matches Microsoft's task schema", () => {
        const ok = validate(json);
        assert.ok(ok, ajv.errorsText(validate.errors, { separator: '\n' }));
      });

      it('is named after its folder, with the major version the folder promises', () => {
        assert.equal(`${json.name}V${json.version.Major}`, task.folder);
        assert.equal(Number(json.version.Major), task.major);
      });

      it('has a friendly name of at most 40 characters and help with a link', () => {
        assert.ok(
          json.friendlyName.length <= 40,
          `friendlyName is ${json.friendlyName.length} characters`,
        );
        assert.match(
          String(json.helpMarkDown ?? ''),
          /\]\(https?:\/\/[^)]+\)/,
          'helpMarkDown has no [link](https://…)',
        );
        for (const key of [
          'description',
          'category',
          'instanceNameFormat',
          'minimumAgentVersion',
          'author',
        ]) {
          assert.ok(json[key], `${key} is missing`);
        }
      });

      it('names its inputs in camelCase and keeps them unique, aliases included', () => {
        const names = (json.inputs ?? []).flatMap(i => [
          i.name,
          ...(i.aliases ?? []),
        ]);
        for (const name of names)
          assert.match(
            name,
            /^[a-z][a-zA-Z0-9]*$/,
            `input ${name} is not camelCase`,
          );
        assert.equal(
          new Set(names.map(n => n.toLowerCase())).size,
          names.length,
          'duplicate input names',
        );
      });

      it('refers only to inputs and groups that exist', () => {
        const inputs = new Set((json.inputs ?? []).map(i => i.name));
        const groups = new Set((json.groups ?? []).map(g => g.name));
        for (const input of json.inputs ?? []) {
          for (const ref of visibleRuleNames(input.visibleRule ?? '')) {
            assert.ok(
              inputs.has(ref),
              `${input.name}.visibleRule refers to unknown input ${ref}`,
            );
          }
          if (input.groupName)
            assert.ok(
              groups.has(input.groupName),
              `${input.name} is in unknown group ${input.groupName}`,
            );
        }
        for (const [, name] of String(json.instanceNameFormat ?? '').matchAll(
          /\$\(([^)]+)\)/g,
        )) {
          assert.ok(
            inputs.has(name),
            `instanceNameFormat refers to $(${name}), which is not an input`,
          );
        }
      });

      it('declares its output variables with a description', () => {
        for (const v of json.outputVariables ?? []) {
          assert.match(
            v.name,
            /^[A-Za-z][\w]*$/,
            `output variable name ${v.name}`,
          );
          assert.ok(
            v.description,
            `output variable ${v.name} has no description`,
          );
        }
      });

      it('runs on Node20_1 (and Node24 when declared) from the bundle the build writes', async function () {
        this.timeout(200_000);
        const handlers = json.execution ?? {};
        assert.ok(handlers.Node20_1, 'execution.Node20_1 is missing');
        for (const [handler, exec] of Object.entries(handlers)) {
          assert.match(
            handler,
            /^Node(20_1|24)$/,
            `handler ${handler}: older Node handlers are deprecated on agents`,
          );
          assert.equal(
            exec.target,
            'dist/index.js',
            `${handler} must point at the bundle`,
          );
        }
        if (!existsSync(join(task.dir, 'src', 'index.ts'))) this.skip();
        await ensureBuilt();
        for (const exec of Object.values(handlers)) {
          assert.ok(
            existsSync(join(task.dir, exec.target)),
            `${exec.target} missing after the build`,
          );
        }
        assert.ok(
          existsSync(join(task.dir, 'dist', 'lib.json')),
          "task-lib's lib.json must sit beside the bundle",
        );
      });

      it('bundles exactly one copy of azure-pipelines-task-lib (it owns the secret store)', async function () {
        this.timeout(120_000);
        if (!existsSync(join(task.dir, 'src', 'index.ts'))) this.skip();
        const result = await build({
          entryPoints: [join(task.dir, 'src', 'index.ts')],
          bundle: true,
          platform: 'node',
          format: 'cjs',
          write: false,
          metafile: true,
          logLevel: 'silent',
          external: [
            'keytar',
            '@azure/msal-node-extensions',
            'cpu-features',
            'ssh2',
          ],
        });
        const copies = new Set(
          Object.keys(result.metafile.inputs)
            .map(
              p =>
                /^(.*node_modules\/azure-pipelines-task-lib)\//.exec(
                  p.replace(/\\/g, '/'),
                )?.[1],
            )
            .filter(Boolean),
        );
        assert.equal(copies.size, 1, `copies: ${[...copies].join(', ')}`);
      });
    });
  }
});

describe('task icons', () => {
  it('ships a 32×32 PNG in every task folder', () => {
    for (const task of taskFolders()) {
      const png = readFileSync(join(task.dir, 'icon.png'));
      assert.equal(
        png.subarray(1, 4).toString('ascii'),
        'PNG',
        `${task.folder}/icon.png is not a PNG`,
      );
      assert.deepEqual(
        [png.readUInt32BE(16), png.readUInt32BE(20)],
        [32, 32],
        `${task.folder}/icon.png size`,
      );
    }
    const icon = readFileSync(join(repoRoot, 'images/icon.png'));
    assert.deepEqual(
      [icon.readUInt32BE(16), icon.readUInt32BE(20)],
      [128, 128],
      'images/icon.png must be 128×128',
    );
  });
});
