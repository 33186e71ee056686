import { strict as assert } from 'node:assert';
import { ConfigReader } from '@backstage/config';
import {
  pathGlobToRegExp,
  readDiscoveryConfig,
} from '../../backstage-modules/catalog-backend-module-push/src/discovery/config';
import { toEntityName } from '../../backstage-modules/catalog-backend-module-push/src/discovery/entities';

const read = (discovery: unknown) =>
  readDiscoveryConfig(
    new ConfigReader(
      discovery === undefined ? {} : ({ stagedoor: { discovery } } as any),
    ),
  );

describe('discovery configuration', () => {
  it('is off without stagedoor.discovery, or with enabled: false', () => {
    assert.equal(read(undefined), undefined);
    assert.equal(
      read({ enabled: false, organizations: [{ url: 'https://x' }] }),
      undefined,
    );
  });

  it('fills the documented defaults', () => {
    const c = read({
      organizations: [{ url: 'https://dev.azure.com/contoso/' }],
    })!;
    assert.equal(c.organizations[0].url, 'https://dev.azure.com/contoso');
    assert.ok(c.organizations[0].projects[0].test('Any Project'));
    assert.ok(c.organizations[0].repositories[0].test('p/r'));
    assert.equal(c.organizations[0].includeForks, false);
    assert.deepEqual(c.catalogPaths, ['/catalog-info.yaml']);
    assert.equal(c.placeholder.owner, 'unowned');
    assert.equal(c.placeholder.name, '{{repository}}');
    assert.equal(c.maxConcurrency, 16);
    assert.equal(c.maxRetries, 4);
    assert.equal(c.maxRetryWaitMs, 60_000);
    assert.equal(c.requestTimeoutMs, 30_000);
    assert.deepEqual(c.schedule.frequency, { minutes: 30 });
  });

  for (const [what, discovery, message] of [
    ['no organization', { organizations: [] }, /at least one organization/],
    [
      'an organization URL without a path',
      { organizations: [{ url: 'https://dev.azure.com' }] },
      /organization \(collection\) URL/,
    ],
    [
      'an unknown template variable',
      {
        organizations: [{ url: 'https://dev.azure.com/c' }],
        placeholder: { name: '{{team}}-{{repository}}' },
      },
      /placeholder\.name uses \{\{team\}\}/,
    ],
    [
      'a catalog path leaving the repository',
      {
        organizations: [{ url: 'https://dev.azure.com/c' }],
        catalogPath: ['../x.yaml'],
      },
      /must name files in the repository/,
    ],
    [
      'a zero concurrency',
      {
        organizations: [{ url: 'https://dev.azure.com/c' }],
        maxConcurrency: 0,
      },
      /maxConcurrency must be a positive integer/,
    ],
  ] as const) {
    it(`refuses ${what} at start-up, saying what to fix`, () => {
      assert.throws(() => read(discovery), message);
    });
  }

  it('matches catalog paths with globs, ** also over no folder', () => {
    const cases: [string, string, boolean][] = [
      ['/**/catalog-info.yaml', '/catalog-info.yaml', true],
      ['/**/catalog-info.yaml', '/a/b/catalog-info.yaml', true],
      ['/*/catalog-info.yaml', '/a/b/catalog-info.yaml', false],
      ['/.backstage/*.yaml', '/.backstage/api.yaml', true],
      ['/.backstage/*.yaml', '/.backstage/x/api.yaml', false],
      ['/catalog-info.y?ml', '/catalog-info.yaml', true],
    ];
    for (const [glob, path, expected] of cases)
      assert.equal(
        pathGlobToRegExp(glob).test(path),
        expected,
        `${glob} ${path}`,
      );
  });

  it('makes valid entity names of repository names', () => {
    assert.equal(toEntityName('My Repo (old)'), 'My-Repo-old');
    assert.equal(toEntityName('--x--'), 'x');
    assert.equal(toEntityName('a'.repeat(80)).length, 63);
    assert.equal(toEntityName('***'), 'repository');
  });
});
