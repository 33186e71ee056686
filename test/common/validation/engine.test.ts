import { strict as assert } from 'node:assert';
import {
  CatalogFile,
  Problem,
  ValidateOptions,
  validateCatalogFiles,
} from '@stagedoor/common';
import { componentYaml, teamA } from '../../fixtures/entities';

const component = (name: string, spec?: string, metadata = '') =>
  componentYaml(name, { spec, metadata });
const group = teamA;

function check(files: CatalogFile[] | string, options?: ValidateOptions) {
  const list =
    typeof files === 'string'
      ? [{ path: 'catalog-info.yaml', content: files }]
      : files;
  return validateCatalogFiles(list, options);
}

function only(problems: Problem[], rule: string): Problem {
  const matching = problems.filter(p => p.rule === rule);
  assert.equal(
    matching.length,
    1,
    `expected one ${rule}, got ${JSON.stringify(problems, null, 2)}`,
  );
  return matching[0];
}

describe('the validation engine', () => {
  describe('reads YAML with positions', () => {
    it('points a schema problem at the offending node', () => {
      const text = component(
        'payments',
        'type: service\n  lifecycle: production\n  owner: 42',
      );
      const p = only(check(text).problems, 'catalog/kind-schema');
      assert.deepEqual(
        [p.line, p.column, p.severity, p.entityRef],
        [8, 10, 'error', 'component:default/payments'],
      );
      assert.match(p.message, /"spec.owner" must be a string, not number 42/);
    });

    it('reports positions in every document of a multi-document file', () => {
      const text = `${group}---\n${component('Bad Name')}`;
      const { problems, entities } = check(text);
      const p = only(problems, 'catalog/field-format');
      assert.deepEqual([p.line, p.column], [12, 9]);
      assert.deepEqual(
        entities.map(e => [e.ref, e.line]),
        [['group:default/team-a', 1]],
      );
    });

    for (const [name, text, rule, line, column] of [
      ['duplicate keys', 'a: 1\nb: 2\na: 3\n', 'yaml/duplicate-key', 3, 1],
      ['tabs as indentation', 'metadata:\n\tname: x\n', 'yaml/tab', 2, 1],
      ['broken syntax', 'a: [1, 2\nb: 3\n', 'yaml/syntax', 2, 1],
      [
        'non-string keys',
        `${component('x').replace('spec:\n', 'spec:\n  1: one\n')}`,
        'yaml/non-string-key',
        6,
        3,
      ],
    ] as const) {
      it(`reports ${name} with their position`, () => {
        const { problems } = check(text);
        const p = problems.find(x => x.rule === rule);
        assert.ok(p, JSON.stringify(problems));
        assert.deepEqual([p.line, p.column], [line, column]);
      });
    }
  });

  describe('gives one clear problem per bad file and goes on with the others', () => {
    const good = {
      path: 'good/catalog-info.yaml',
      content: component('good') + '---\n' + group,
    };
    const cases: [string, CatalogFile, string][] = [
      ['an empty file', { path: 'empty.yaml', content: '' }, 'file/empty'],
      [
        'a file of comments',
        { path: 'comments.yaml', content: '# nothing here\n' },
        'file/empty',
      ],
      [
        'a binary file',
        {
          path: 'logo.yaml',
          content: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]),
        },
        'file/binary',
      ],
      [
        'invalid UTF-8',
        {
          path: 'latin1.yaml',
          content: Buffer.from('name: caf\xe9\n', 'latin1'),
        },
        'file/encoding',
      ],
      [
        'a 50 MB file',
        {
          path: 'huge.yaml',
          content: new Uint8Array(50 * 1024 * 1024).fill(0x61),
        },
        'file/too-large',
      ],
      [
        'deep flow nesting',
        {
          path: 'deep.yaml',
          content: '['.repeat(100_000) + ']'.repeat(100_000),
        },
        'yaml/too-deep',
      ],
      [
        'deep block nesting',
        {
          path: 'deep2.yaml',
          content: Array.from(
            { length: 400 },
            (_, i) => `${' '.repeat(i)}k:`,
          ).join('\n'),
        },
        'yaml/too-deep',
      ],
      [
        'an alias bomb',
        {
          path: 'bomb.yaml',
          content:
            'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
        },
        'yaml/alias-budget',
      ],
      [
        'a pipeline definition',
        {
          path: 'azure-pipelines.yml',
          content:
            'trigger: [main]\npool:\n  vmImage: ubuntu-latest\nsteps:\n  - script: npm test\n',
        },
        'entity/not-an-entity',
      ],
      [
        'a list at the root',
        { path: 'list.yaml', content: '- a\n- b\n' },
        'entity/not-an-object',
      ],
    ];
    for (const [name, file, rule] of cases) {
      it(`${name}: ${rule}`, function () {
        this.timeout(20_000);
        const { problems, entities } = check([file, good]);
        const mine = problems.filter(p => p.file === file.path);
        assert.equal(mine.length, 1, JSON.stringify(mine));
        assert.equal(mine[0].rule, rule);
        assert.ok(
          mine[0].message.length > 20 && /[;:,.]/.test(mine[0].message),
          mine[0].message,
        );
        assert.equal(entities.length, 2, 'the good file is still validated');
      });
    }
  });

  describe('applies the catalog rules', () => {
    for (const [name, text, rule, fragment] of [
      [
        'unknown kinds',
        component('x').replace('kind: Component', 'kind: Service'),
        'catalog/unknown-kind',
        /kind "Service"/,
      ],
      [
        'missing required fields',
        component('x', 'type: service\n  lifecycle: production'),
        'catalog/kind-schema',
        /missing the required field "owner"/,
      ],
      [
        'a Location with a number as target',
        'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n  target: 42\n',
        'catalog/kind-schema',
        /"spec.target" must be a string/,
      ],
      [
        'foreign root fields',
        `${component('x')}relations: []\n`,
        'catalog/unknown-root-field',
        /"relations" is not allowed at the top/,
      ],
      [
        'tags that are not tags',
        component('x', undefined, '  tags: [Java]\n'),
        'catalog/field-format',
        /Tag "Java"/,
      ],
      [
        'dependsOn without a kind',
        component(
          'x',
          'type: service\n  lifecycle: production\n  owner: a\n  dependsOn: [db]',
        ),
        'catalog/invalid-ref',
        /write the kind too/,
      ],
      [
        'placeholders that are not strings',
        component(
          'x',
          'type: service\n  lifecycle: production\n  owner: a\n  x:\n    $text: [1]',
        ),
        'catalog/placeholder',
        /needs a string/,
      ],
      [
        'file locations',
        'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n  type: file\n  target: ./a.yaml\n',
        'catalog/location-type',
        /type url/,
      ],
    ] as const) {
      it(`rejects ${name}`, () => {
        const p = only(check(text).problems, rule);
        assert.equal(p.severity, 'error');
        assert.match(p.message, fragment);
        assert.doesNotMatch(
          p.message,
          /instancePath|schemaPath|#\/|params/,
          'no raw schema dump',
        );
      });
    }

    it('reports every independent problem of a document in one run', () => {
      const text = component(
        'x',
        'type: service\n  owner: team-a\n  dependsOn: [db]',
        '  tags: [Java]\n',
      );
      const { problems, entities } = check(text);
      assert.deepEqual(entities, []);
      assert.deepEqual(
        problems.map(p => [p.rule, p.line]),
        [
          ['catalog/field-format', 5],
          ['catalog/kind-schema', 7],
        ],
        JSON.stringify(problems, null, 2),
      );
      assert.match(
        problems[1].message,
        /missing the required field "lifecycle"/,
      );
      // Relations are read once the spec has its shape: a bad reference and a bad tag together.
      const refs = check(
        component(
          'x',
          'type: service\n  lifecycle: production\n  owner: team-a\n  dependsOn: [db]',
          '  tags: [Java]\n',
        ),
      ).problems.map(p => `${p.severity} ${p.rule}`);
      assert.deepEqual(refs, [
        'error catalog/field-format',
        'warning ref/unresolved',
        'error catalog/invalid-ref',
      ]);
    });

    it('does not report what depends on a broken earlier step', () => {
      // A malformed kind matches no kind validator: no "unknown kind" on top.
      const rules = check(
        component('x', 'type: service', '  tags: [Java]\n').replace(
          'kind: Component',
          'kind: 9Component',
        ),
      ).problems.map(p => p.rule);
      assert.deepEqual(rules, ['catalog/field-format', 'catalog/field-format']);
      // A malformed namespace: the references defaulting to it are not reported on top.
      const namespace = check(
        component('x', undefined, '  namespace: Bad_NS\n'),
      ).problems.map(p => p.rule);
      assert.deepEqual(namespace, ['catalog/field-format']);
      // A spec of the wrong shape: no relation problems read from it.
      const shape = check(
        component('x', 'type: service\n  lifecycle: 1\n  owner: [1]'),
      ).problems;
      assert.ok(shape.every(p => p.rule === 'catalog/kind-schema'));
    });

    it('rejects an entity defined twice', () => {
      const { problems } = check([
        { path: 'a/catalog-info.yaml', content: component('twin') },
        { path: 'b/catalog-info.yaml', content: component('twin') },
      ]);
      const p = only(problems, 'entity/duplicate');
      assert.equal(p.file, 'b/catalog-info.yaml');
      assert.match(
        p.message,
        /already defined in a\/catalog-info.yaml at line 1/,
      );
    });
  });
});
