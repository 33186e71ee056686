import { strict as assert } from 'node:assert';
import {
  branchOfSourceKey,
  parsePushErrorBody,
  PUSH_ERROR_STATUS,
  repoPathOf,
} from '@stagedoor/common';

/** A body the way Backstage's error middleware writes it. */
function body(
  statusCode: number,
  error: Record<string, unknown>,
): {
  error: Record<string, unknown>;
  request: { method: string; url: string };
  response: { statusCode: number };
} {
  return {
    error: { message: 'said in prose', ...error },
    request: { method: 'POST', url: '/stagedoor/v1/push' },
    response: { statusCode },
  };
}

describe('the push protocol error bodies (pure)', () => {
  const valid: [string, ReturnType<typeof body>][] = [
    [
      'a stale push',
      body(409, {
        name: 'ConflictError',
        code: 'stale-push',
        sourceKey: 'contoso/shop/orders@main',
        incoming: { commit: 'aaaa111', buildId: 7 },
        applied: { commit: 'bbbb222', buildId: null },
      }),
    ],
    [
      'an ownership conflict',
      body(409, {
        name: 'ConflictError',
        code: 'ownership-conflict',
        conflicts: [
          {
            entityRef: 'component:default/a',
            ownerType: 'source',
            owner: 'contoso/shop/other@main',
          },
          { entityRef: 'component:default/b', ownerType: 'location' },
        ],
      }),
    ],
    [
      'invalid files',
      body(422, {
        name: 'UnprocessableEntitiesError',
        code: 'invalid-files',
        problems: [
          {
            file: 'catalog-info.yaml',
            line: 1,
            column: 1,
            severity: 'error',
            rule: 'yaml/syntax',
            message: 'm',
          },
        ],
      }),
    ],
    [
      'a refused branch',
      body(400, {
        name: 'InputError',
        code: 'branch-refused',
        repository: 'contoso/shop/orders',
        branch: 'feature',
        expectedBranch: 'main',
        reason: 'configured',
      }),
    ],
    [
      'a source no rule allows',
      body(403, {
        name: 'NotAllowedError',
        code: 'source-not-allowed',
        subject: 'pipeline',
        repository: 'contoso/shop/orders',
      }),
    ],
    [
      'refused kinds',
      body(403, {
        name: 'NotAllowedError',
        code: 'kinds-not-allowed',
        kinds: ['User'],
      }),
    ],
    [
      'a push too large',
      body(413, {
        name: 'PayloadTooLargeError',
        code: 'payload-too-large',
        unit: 'bytes',
        limit: 10,
        setting: 'stagedoor.push.maxBodyBytes',
      }),
    ],
    [
      'a rate limit',
      body(429, {
        name: 'TooManyRequestsError',
        code: 'rate-limited',
        requestsPerMinute: 3,
        retryAfterSeconds: 12,
      }),
    ],
  ];
  for (const [what, b] of valid) {
    it(`reads ${what} as data`, () => {
      const parsed = parsePushErrorBody(b);
      assert.ok(parsed, what);
      assert.equal(parsed.error.code, b.error.code);
      assert.equal(
        parsed.response.statusCode,
        PUSH_ERROR_STATUS[parsed.error.code],
      );
    });
  }

  it('narrows on the code to the typed details', () => {
    const parsed = parsePushErrorBody(valid[0][1]);
    assert.ok(parsed?.error.code === 'stale-push');
    assert.equal(parsed.error.incoming.buildId, 7);
    assert.equal(parsed.error.applied.buildId, null);
  });

  it('returns undefined for bodies that are not typed push errors', () => {
    const cases: unknown[] = [
      undefined,
      'Bad Gateway',
      {
        error: { name: 'AuthenticationError', message: 'no' },
        response: { statusCode: 401 },
      },
      // A server that said it only in prose.
      body(409, { name: 'ConflictError' }),
      // Details missing.
      body(409, { name: 'ConflictError', code: 'stale-push' }),
      // Status that does not match the code.
      body(400, {
        name: 'ConflictError',
        code: 'ownership-conflict',
        conflicts: [],
      }),
      // Name that does not match the code.
      body(409, {
        name: 'InputError',
        code: 'ownership-conflict',
        conflicts: [],
      }),
    ];
    for (const c of cases)
      assert.equal(parsePushErrorBody(c), undefined, JSON.stringify(c));
  });

  it('splits source keys into repository path and branch', () => {
    assert.equal(repoPathOf('contoso/shop/orders@main'), 'contoso/shop/orders');
    assert.equal(branchOfSourceKey('contoso/shop/orders@main'), 'main');
    assert.equal(
      repoPathOf('contoso/shop/orders@release@2'),
      'contoso/shop/orders',
    );
    assert.equal(
      branchOfSourceKey('contoso/shop/orders@release@2'),
      'release@2',
    );
    assert.equal(repoPathOf('contoso/shop/orders'), 'contoso/shop/orders');
    assert.equal(branchOfSourceKey('contoso/shop/orders'), '');
  });
});
