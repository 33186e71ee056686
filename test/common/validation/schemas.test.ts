import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const vendored = join(
  __dirname,
  '..',
  '..',
  '..',
  'backstage-modules',
  'common',
  'src',
  'validation',
  'schemas',
);

/**
 * The engine compiles copies of the JSON schemas that the installed catalog-model and
 * scaffolder-common compile internally (neither package exports them). Required by absolute
 * path, past the packages' `exports`, only here: if a Backstage upgrade changes a schema,
 * this fails and the copy must be refreshed.
 */
function installed(pkg: string, file: string): unknown {
  const dist = dirname(require.resolve(pkg));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- past the package's exports, on purpose
  return require(join(dist, file)).default;
}

const CASES: [string, string, string][] = [
  [
    'Entity.schema.json',
    '@backstage/catalog-model',
    'schema/Entity.schema.json.cjs.js',
  ],
  [
    'EntityEnvelope.schema.json',
    '@backstage/catalog-model',
    'schema/EntityEnvelope.schema.json.cjs.js',
  ],
  [
    'EntityMeta.schema.json',
    '@backstage/catalog-model',
    'schema/EntityMeta.schema.json.cjs.js',
  ],
  [
    'common.schema.json',
    '@backstage/catalog-model',
    'schema/shared/common.schema.json.cjs.js',
  ],
  [
    'Template.v1beta3.schema.json',
    '@backstage/plugin-scaffolder-common',
    'Template.v1beta3.schema.json.cjs.js',
  ],
  ...[
    'API',
    'Component',
    'Domain',
    'Group',
    'Location',
    'Resource',
    'System',
    'User',
  ].map(
    k =>
      [
        `${k}.v1alpha1.schema.json`,
        '@backstage/catalog-model',
        `schema/kinds/${k}.v1alpha1.schema.json.cjs.js`,
      ] as [string, string, string],
  ),
];

describe('the schemas the engine compiles', () => {
  for (const [file, pkg, path] of CASES) {
    it(`${file} equals the one ${pkg} ships`, () => {
      assert.deepEqual(
        JSON.parse(readFileSync(join(vendored, file), 'utf8')),
        installed(pkg, path),
      );
    });
  }
});
