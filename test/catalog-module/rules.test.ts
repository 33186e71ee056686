import { strict as assert } from 'node:assert';
import { ConfigReader } from '@backstage/config';
import { readPushConfig } from '../../backstage-modules/catalog-backend-module-push/src/config';
import {
  authorizeKinds,
  authorizeSource,
  globToRegExp,
} from '../../backstage-modules/catalog-backend-module-push/src/service/authorize';
import { orderPush } from '../../backstage-modules/catalog-backend-module-push/src/service/ordering';
import type { SourceRow } from '../../backstage-modules/catalog-backend-module-push/src/database/tables';

const rules = readPushConfig(
  new ConfigReader({
    stagedoor: {
      push: {
        rules: [
          { principals: ['ci'], sources: ['contoso/shop/*'] },
          {
            principals: ['external:entra:11111111-aaaa'],
            sources: ['contoso/**'],
            kinds: ['Component'],
          },
          { principals: ['org-sync'], kinds: ['*'] },
        ],
      },
    },
  }),
).rules;

describe('push authorization rules', () => {
  const cases: Array<[subject: string, repo: string, allowed: boolean]> = [
    ['external:ci', 'contoso/shop/orders', true],
    ['external:ci', 'CONTOSO/Shop/Orders', true],
    ['external:ci', 'contoso/other/orders', false],
    ['external:ci', 'contoso/shop/orders/extra', false],
    ['external:entra:11111111-aaaa', 'contoso/any/repo', true],
    ['external:entra:22222222-bbbb', 'contoso/any/repo', false],
    ['user:default/guest', 'contoso/shop/orders', false],
    // Newer Backstage releases report external subjects without the `external:` prefix:
    // rules written either way keep matching.
    ['ci', 'contoso/shop/orders', true],
    ['entra:11111111-aaaa', 'contoso/any/repo', true],
    ['entra:22222222-bbbb', 'contoso/any/repo', false],
    ['other', 'contoso/shop/orders', false],
  ];
  for (const [subject, repo, allowed] of cases) {
    it(`${allowed ? 'lets' : 'does not let'} ${subject} push ${repo}`, () => {
      if (allowed) authorizeSource(rules, subject, repo);
      else
        assert.throws(() => authorizeSource(rules, subject, repo), {
          name: 'NotAllowedError',
        });
    });
  }

  it('denies User and Group by default, and kinds outside an explicit list', () => {
    const ci = authorizeSource(rules, 'external:ci', 'contoso/shop/orders');
    authorizeKinds(ci, ['Component', 'API', 'Location']);
    assert.throws(
      () => authorizeKinds(ci, ['Component', 'Group']),
      /kind Group/,
    );
    const entra = authorizeSource(
      rules,
      'external:entra:11111111-aaaa',
      'contoso/x/y',
    );
    assert.throws(() => authorizeKinds(entra, ['API']), /kind API/);
    authorizeKinds(authorizeSource(rules, 'external:org-sync', 'a/b/c'), [
      'User',
      'Group',
    ]);
  });

  it('matches `*` within one segment and `**` across segments', () => {
    assert.ok(globToRegExp('a/*/c').test('a/b/c'));
    assert.ok(!globToRegExp('a/*/c').test('a/b/x/c'));
    assert.ok(globToRegExp('a/**').test('a/b/x/c'));
    assert.ok(!globToRegExp('a.b/*').test('axb/c'));
  });

  it('refuses settings that cannot work at start-up', () => {
    const bad = (push: object) => () =>
      readPushConfig(new ConfigReader({ stagedoor: { push } }));
    assert.throws(
      bad({ rules: [{ principals: [] }] }),
      /principals must name at least one/,
    );
    assert.throws(
      bad({ maxBodyBytes: -1 }),
      /maxBodyBytes must be a positive integer/,
    );
    assert.deepEqual(readPushConfig(new ConfigReader({})).rules, []);
  });
});

describe('push ordering', () => {
  const stored = {
    commit: 'a'.repeat(40),
    build_id: '100',
    commit_time: '2026-11-28T10:00:00Z',
    content_hash: 'h1',
  } as unknown as SourceRow;
  const source = (commit: string, buildId?: number, commitTime?: string) => ({
    organizationUrl: 'https://dev.azure.com/contoso',
    project: 'p',
    repositoryName: 'r',
    branch: 'main',
    commit,
    buildId,
    commitTime,
  });
  const cases: Array<[string, ReturnType<typeof source>, string, string]> = [
    ['first push', source('b'.repeat(40), 1), 'h2', 'first'],
    [
      'same commit, same content (even from an older build)',
      source('a'.repeat(40), 90),
      'h1',
      'repeat',
    ],
    ['same commit, other content', source('a'.repeat(40), 101), 'h2', 'newer'],
    ['higher build id', source('b'.repeat(40), 101), 'h2', 'newer'],
    ['lower build id', source('b'.repeat(40), 99), 'h2', 'stale'],
    [
      'no build id, older commit time',
      source('b'.repeat(40), undefined, '2026-11-28T09:00:00Z'),
      'h2',
      'stale',
    ],
    [
      'no build id, newer commit time',
      source('b'.repeat(40), undefined, '2026-11-28T11:00:00Z'),
      'h2',
      'newer',
    ],
    ['no build id, no time', source('b'.repeat(40)), 'h2', 'newer'],
  ];
  for (const [what, incoming, hash, expected] of cases) {
    it(`orders ${what} as ${expected}`, () => {
      assert.equal(
        orderPush(incoming, hash, what === 'first push' ? undefined : stored),
        expected,
      );
    });
  }
});
