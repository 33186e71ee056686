import { strict as assert } from 'node:assert';
import {
  ValidateOptions,
  parsePolicyFile,
  validateCatalogFiles,
} from '@stagedoor/common';

const entity = (
  opts: {
    kind?: string;
    name?: string;
    annotations?: Record<string, string>;
    tags?: string[];
    spec?: string;
  } = {},
) => {
  const annotations = Object.entries(opts.annotations ?? {})
    .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`)
    .join('');
  return [
    'apiVersion: backstage.io/v1alpha1',
    `kind: ${opts.kind ?? 'Component'}`,
    'metadata:',
    `  name: ${opts.name ?? 'payments'}`,
    ...(annotations ? [`  annotations:\n${annotations.trimEnd()}`] : []),
    ...(opts.tags ? [`  tags: [${opts.tags.join(', ')}]`] : []),
    'spec:',
    `  ${opts.spec ?? 'type: service\n  lifecycle: production\n  owner: team-a'}`,
    '',
  ].join('\n');
};
const teamA =
  'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n';

/** Problems of `text` (validated beside the team-a group) as `rule severity`. */
function run(text: string, options: ValidateOptions = {}) {
  const result = validateCatalogFiles(
    [
      { path: 'svc/catalog-info.yaml', content: text },
      { path: 'org.yaml', content: teamA },
    ],
    options,
  );
  const problems = result.problems.filter(
    p => p.file === 'svc/catalog-info.yaml',
  );
  return {
    ...result,
    problems,
    rules: problems.map(p => `${p.rule} ${p.severity}`),
  };
}

describe('the extra rules', () => {
  describe('ref/unresolved and ref/invalid-name', () => {
    it('accepts references defined in the same files', () => {
      assert.deepEqual(run(entity()).rules, []);
    });

    it('warns about references defined nowhere and lists them for a live lookup', () => {
      const r = run(
        entity({
          spec: 'type: service\n  lifecycle: production\n  owner: team-b\n  system: checkout',
        }),
      );
      assert.deepEqual(r.rules, [
        'ref/unresolved warning',
        'ref/unresolved warning',
      ]);
      assert.deepEqual(r.unresolvedRefs, [
        'group:default/team-b',
        'system:default/checkout',
      ]);
      assert.match(
        r.problems[0].message,
        /spec.owner refers to group:default\/team-b/,
      );
      assert.equal(
        r.entities.length,
        2,
        'warnings do not make an entity invalid',
      );
    });

    it('accepts references the live catalog knows', () => {
      const r = run(
        entity({
          spec: 'type: service\n  lifecycle: production\n  owner: team-b',
        }),
        {
          knownEntityRefs: new Set(['group:default/team-b']),
        },
      );
      assert.deepEqual(r.rules, []);
    });

    it('explains names a reference may not have', () => {
      const r = run(
        entity({
          spec: 'type: service\n  lifecycle: production\n  owner: team payments',
        }),
      );
      assert.deepEqual(r.rules, ['ref/invalid-name warning']);
      assert.match(
        r.problems[0].message,
        /^spec.owner "team payments" is not a valid entity reference: names may contain letters, digits, '-', '_' and '.'/,
      );
    });

    it('raises every extra rule to an error when strict, and lets the policy set single rules', () => {
      const text = entity({
        spec: 'type: service\n  lifecycle: production\n  owner: team-b',
      });
      assert.deepEqual(run(text, { strict: true }).rules, [
        'ref/unresolved error',
      ]);
      assert.deepEqual(
        run(text, {
          strict: true,
          policy: { rules: { 'ref/unresolved': 'warning' } },
        }).rules,
        ['ref/unresolved warning'],
      );
      assert.deepEqual(
        run(text, { policy: { rules: { 'ref/unresolved': 'error' } } }).rules,
        ['ref/unresolved error'],
      );
      assert.deepEqual(
        run(text, { policy: { rules: { 'ref/unresolved': 'off' } } }).rules,
        [],
      );
    });
  });

  describe('rules about referenced files', () => {
    const files = new Set([
      'svc/docs/mkdocs.yml',
      'svc/openapi.yaml',
      'svc/more/catalog-info.yaml',
    ]);
    const fileExists = (p: string) => files.has(p);

    for (const [name, text, expected] of [
      [
        'a TechDocs folder with mkdocs.yml',
        entity({ annotations: { 'backstage.io/techdocs-ref': 'dir:./docs' } }),
        [],
      ],
      [
        'a TechDocs folder without mkdocs.yml',
        entity({ annotations: { 'backstage.io/techdocs-ref': 'dir:.' } }),
        ['techdocs/mkdocs-missing warning'],
      ],
      [
        'a TechDocs folder outside the repository',
        entity({ annotations: { 'backstage.io/techdocs-ref': 'dir:../..' } }),
        ['techdocs/mkdocs-missing warning'],
      ],
      [
        'a TechDocs URL',
        entity({
          annotations: {
            'backstage.io/techdocs-ref': 'url:https://example.com/docs',
          },
        }),
        [],
      ],
      [
        'a $text file that exists',
        entity({
          kind: 'API',
          spec: 'type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./openapi.yaml',
        }),
        [],
      ],
      [
        'a $text file that does not',
        entity({
          kind: 'API',
          spec: 'type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./missing.yaml',
        }),
        ['placeholder/file-missing warning'],
      ],
      [
        'a $text URL',
        entity({
          kind: 'API',
          spec: 'type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: https://example.com/a.yaml',
        }),
        [],
      ],
      [
        'Location targets that exist, are URLs or globs',
        entity({
          kind: 'Location',
          spec: 'targets: [./more/catalog-info.yaml, https://example.com/x.yaml, ./**/catalog-info.yaml]',
        }),
        [],
      ],
      [
        'a Location target that does not exist',
        entity({ kind: 'Location', spec: 'target: ./gone.yaml' }),
        ['location/target-missing warning'],
      ],
    ] as const) {
      it(`${expected.length ? 'warns about' : 'accepts'} ${name}`, () => {
        assert.deepEqual(run(text, { fileExists }).rules, expected);
      });
    }

    it('skips them when the caller cannot tell which files exist', () => {
      assert.deepEqual(
        run(entity({ annotations: { 'backstage.io/techdocs-ref': 'dir:.' } }))
          .rules,
        [],
      );
    });

    it('points at the annotation value', () => {
      const p = run(
        entity({ annotations: { 'backstage.io/techdocs-ref': 'dir:.' } }),
        { fileExists },
      ).problems[0];
      assert.deepEqual([p.line, p.column], [6, 32]);
    });
  });

  describe('azure/annotation-format', () => {
    for (const [annotations, expected] of [
      [{ 'dev.azure.com/project-repo': 'payments/payments-api' }, []],
      [
        { 'dev.azure.com/project-repo': 'payments' },
        ['azure/annotation-format warning'],
      ],
      [
        {
          'dev.azure.com/project': 'payments',
          'dev.azure.com/build-definition': 'payments-ci',
        },
        [],
      ],
      [
        { 'dev.azure.com/build-definition': 'payments-ci' },
        ['azure/annotation-format warning'],
      ],
      [{ 'dev.azure.com/host-org': 'dev.azure.com/contoso' }, []],
      [
        { 'dev.azure.com/host-org': 'contoso' },
        ['azure/annotation-format warning'],
      ],
      [
        { 'dev.azure.com/readme-path': 'docs/README.md' },
        ['azure/annotation-format warning'],
      ],
    ] as const) {
      it(`${expected.length ? 'warns about' : 'accepts'} ${JSON.stringify(annotations)}`, () => {
        const r = run(entity({ annotations }));
        assert.deepEqual(r.rules, expected);
        if (expected.length)
          assert.match(r.problems[0].message, /must be|needs/);
      });
    }
  });

  describe('the policy', () => {
    const policy = parsePolicyFile(
      'validate:\n  allowedKinds: [Component, Group]\n  allowedLifecycles: [production]\n  requiredTags: [payments]\n  requiredAnnotations: [backstage.io/techdocs-ref]\n',
    ).policy;

    it('accepts entities that follow it', () => {
      const text = entity({
        tags: ['payments'],
        annotations: {
          'backstage.io/techdocs-ref': 'url:https://x.example/docs',
        },
      });
      assert.deepEqual(run(text, { policy }).rules, []);
    });

    it('reports kinds, lifecycles, tags and annotations it does not allow', () => {
      const text = entity({
        kind: 'API',
        spec: 'type: openapi\n  lifecycle: beta\n  owner: team-a\n  definition: x',
      });
      assert.deepEqual(run(text, { policy }).rules.sort(), [
        'policy/annotation warning',
        'policy/kind warning',
        'policy/lifecycle warning',
        'policy/tag warning',
      ]);
    });

    it('rejects a policy file with a clear message', () => {
      assert.throws(
        () => parsePolicyFile('validate:\n  allowedKind: [Component]\n'),
        /\.stagedoor\.yaml: validate: Unrecognized key\(s\) in object: 'allowedKind'/,
      );
      assert.throws(
        () =>
          parsePolicyFile('validate:\n  rules:\n    ref/unresolved: fatal\n'),
        /validate\.rules\.ref\/unresolved/,
      );
      assert.throws(() => parsePolicyFile('validate: [\n'), /not valid YAML/);
    });
  });
});
