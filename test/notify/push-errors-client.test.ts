import { strict as assert } from 'node:assert';
import {
  PUSH_ERROR_STATUS,
  type PushErrorData,
  type PushRequest,
} from '@stagedoor/common';
import {
  BackstageHttpClient,
  ConflictHttpError,
  PushApiError,
  StalePushError,
  UnprocessableHttpError,
} from '../../tasks/shared/src/backstage';
import type { HttpError } from '../../tasks/shared/src/http';
import {
  normalizeNotifyOptions,
  runNotify,
} from '../../tasks/shared/src/notify';
import { BackstageApi } from '../../tasks/shared/src/notify/api';
import { CollectingReporter } from '../../tasks/shared/src/reporter';
import { makeRepo } from './repo';
import { TOKEN, component, startNotifyBackend } from './backend';
import { json, scriptedServer, type ScriptedServer } from './servers';

/** A typed error answer, the way Backstage's error middleware writes it. */
function answer(error: PushErrorData) {
  const statusCode = PUSH_ERROR_STATUS[error.code];
  return json(statusCode, {
    error,
    request: { method: 'POST', url: '/api/catalog/stagedoor/v1/push' },
    response: { statusCode },
  });
}

const problem = {
  file: 'catalog-info.yaml',
  line: 3,
  column: 1,
  severity: 'error' as const,
  rule: 'entity/x',
  message: 'bad',
};

/** Each typed answer → the error class, kind and the words the message must hold. */
const cases: {
  data: PushErrorData;
  type: new (...args: never[]) => HttpError;
  kind: string;
  says: RegExp;
  check?: (e: HttpError) => void;
}[] = [
  {
    data: {
      name: 'ConflictError',
      message: 'Push of a (build 7) is older than the last push applied',
      code: 'stale-push',
      sourceKey: 'contoso/shop/orders@main',
      incoming: { commit: 'aaaa111', buildId: 7 },
      applied: { commit: 'bbbb222', buildId: 9 },
    },
    type: StalePushError,
    kind: 'stale',
    says: /newer push .*commit bbbb222, build 9\)/,
    check: e => assert.equal((e as StalePushError).newerCommit, 'bbbb222'),
  },
  {
    data: {
      name: 'ConflictError',
      message: 'owned elsewhere',
      code: 'ownership-conflict',
      conflicts: [
        {
          entityRef: 'component:default/a',
          ownerType: 'source',
          owner: 'contoso/shop/other@main',
        },
        {
          entityRef: 'component:default/b',
          ownerType: 'location',
          owner: 'url:https://dev.azure.com/x',
        },
      ],
    },
    type: ConflictHttpError,
    kind: 'conflict',
    says: /component:default\/a \(owned by contoso\/shop\/other@main\), component:default\/b \(owned by location url:/,
    check: e =>
      assert.deepEqual((e as ConflictHttpError).conflicts, [
        {
          entityRef: 'component:default/a',
          ownerType: 'source',
          owner: 'contoso/shop/other@main',
        },
        {
          entityRef: 'component:default/b',
          ownerType: 'location',
          owner: 'url:https://dev.azure.com/x',
        },
      ]),
  },
  {
    data: {
      name: 'UnprocessableEntitiesError',
      message: 'invalid',
      code: 'invalid-files',
      problems: [problem],
    },
    type: UnprocessableHttpError,
    kind: 'invalid',
    says: /rejected the files \(422\): 1 problem/,
    check: e =>
      assert.deepEqual((e as UnprocessableHttpError).problems, [problem]),
  },
  {
    data: {
      name: 'InputError',
      message: 'branch refused',
      code: 'branch-refused',
      repository: 'contoso/shop/orders',
      branch: 'feature/x',
      expectedBranch: 'main',
      reason: 'configured',
    },
    type: PushApiError,
    kind: 'status',
    says: /branch 'feature\/x'.*contoso\/shop\/orders is pushed from 'main'.*stagedoor\.push\.rules/,
  },
  {
    data: {
      name: 'NotAllowedError',
      message: 'not allowed',
      code: 'source-not-allowed',
      subject: 'pipeline',
      repository: 'contoso/shop/orders',
    },
    type: PushApiError,
    kind: 'forbidden',
    says: /no push rule in stagedoor\.push\.rules lets pipeline push contoso\/shop\/orders/,
  },
  {
    data: {
      name: 'NotAllowedError',
      message: 'kinds',
      code: 'kinds-not-allowed',
      kinds: ['Group', 'User'],
    },
    type: PushApiError,
    kind: 'forbidden',
    says: /does not allow the kind\(s\) Group, User/,
  },
  {
    data: {
      name: 'PayloadTooLargeError',
      message: 'too large',
      code: 'payload-too-large',
      unit: 'entities',
      limit: 10,
      actual: 12,
      setting: 'stagedoor.push.rules[].maxEntities',
    },
    type: PushApiError,
    kind: 'status',
    says: /\(413\): 12 entities, more than the limit of 10 entities \(stagedoor\.push\.rules\[\]\.maxEntities\)/,
  },
];

describe('the push API error answers, read by the client', function () {
  this.timeout(60_000);
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  for (const c of cases) {
    it(`reads ${c.data.code} as data`, async () => {
      server = await scriptedServer([answer(c.data)]);
      const client = new BackstageHttpClient({
        baseUrl: server.url,
        retry: { maxRetries: 0 },
      });
      await assert.rejects(
        client.request({ method: 'POST', path: '/x', body: {} }),
        (e: HttpError) => {
          assert.ok(e instanceof c.type, `${e.name}: ${e.message}`);
          assert.ok(e instanceof PushApiError);
          assert.equal(e.kind, c.kind);
          assert.deepEqual(e.data, c.data);
          assert.match(e.message, c.says);
          c.check?.(e);
          return true;
        },
      );
    });
  }

  it('keeps prose-only answers (older push modules) as plain conflicts and problems', async () => {
    server = await scriptedServer([
      json(409, {
        error: {
          name: 'ConflictError',
          message:
            'Push of x is older than the last push applied for k: abc1234',
        },
      }),
      json(422, {
        error: { name: 'UnprocessableEntitiesError', message: 'invalid' },
        problems: [problem],
      }),
    ]);
    const client = new BackstageHttpClient({ baseUrl: server.url });
    await assert.rejects(
      client.request({ method: 'POST', path: '/x' }),
      (e: HttpError) => {
        // No reading of the prose: a conflict without details, quoting the server.
        assert.ok(e instanceof ConflictHttpError);
        assert.ok(!(e instanceof StalePushError));
        assert.deepEqual(e.conflicts, []);
        assert.equal(e.data, undefined);
        assert.match(e.message, /The server said: Push of x is older/);
        return true;
      },
    );
    await assert.rejects(
      client.request({ method: 'POST', path: '/x' }),
      (e: HttpError) => {
        assert.ok(e instanceof UnprocessableHttpError);
        assert.deepEqual(e.problems, [problem]);
        return true;
      },
    );
  });

  describe('from the real push route', () => {
    let backend: Awaited<ReturnType<typeof startNotifyBackend>>;
    let api: BackstageApi;
    before(async () => {
      backend = await startNotifyBackend();
      api = new BackstageApi({
        baseUrl: backend.baseUrl,
        token: TOKEN,
        retry: { maxRetries: 0 },
      });
    });
    after(() => backend?.stop());

    const push = (
      repositoryName: string,
      commit: string,
      buildId: number,
      name: string,
    ): PushRequest => ({
      source: {
        organizationUrl: 'https://dev.azure.com/contoso',
        project: 'shop',
        repositoryName,
        branch: 'refs/heads/main',
        commit,
        buildId,
      },
      files: [{ path: 'catalog-info.yaml', content: component(name) }],
    });

    it('fills ConflictHttpError.conflicts with the owning source', async () => {
      await api.push(push('owner', 'a'.repeat(40), 1, 'contested'), false);
      await assert.rejects(
        api.push(push('thief', 'b'.repeat(40), 1, 'contested'), false),
        (e: HttpError) => {
          assert.ok(e instanceof ConflictHttpError, e.message);
          assert.deepEqual(e.conflicts, [
            {
              entityRef: 'component:default/contested',
              ownerType: 'source',
              owner: 'contoso/shop/owner@main',
            },
          ]);
          return true;
        },
      );
    });

    it('says which newer commit and build won a stale push', async () => {
      await api.push(push('ordered', 'c'.repeat(40), 5, 'ordered'), false);
      await assert.rejects(
        api.push(push('ordered', 'd'.repeat(40), 4, 'ordered'), false),
        (e: HttpError) => {
          assert.ok(e instanceof StalePushError, e.message);
          assert.equal(e.newerCommit, 'c'.repeat(40));
          assert.deepEqual(e.data?.applied, {
            commit: 'c'.repeat(40),
            buildId: 5,
          });
          return true;
        },
      );
    });
    it('reports each conflict as an error at the entity in its file', async () => {
      await api.push(push('first', 'e'.repeat(40), 1, 'claimed'), false);
      const reporter = new CollectingReporter();
      const result = await runNotify(
        normalizeNotifyOptions({
          connection: {
            url: backend.baseUrl,
            auth: { kind: 'token', token: TOKEN },
          },
          rootDirectory: makeRepo({
            'catalog-info.yaml': component('claimed'),
          }),
          source: {
            organizationUrl: 'https://dev.azure.com/contoso',
            project: 'shop',
            repositoryName: 'second',
            branch: 'refs/heads/main',
            commit: 'f'.repeat(40),
            buildId: 1,
          },
          branchFilter: '*',
          waitForProcessing: false,
          http: { retry: { maxRetries: 0 } },
        }),
        reporter,
      );
      assert.equal(result.status, 'failed');
      assert.equal(result.error?.kind, 'conflict');
      const conflict = result.problems.find(
        p => p.rule === 'push/ownership-conflict',
      );
      assert.ok(conflict, JSON.stringify(result.problems));
      assert.equal(conflict.file, 'catalog-info.yaml');
      assert.equal(conflict.line, 1);
      assert.equal(conflict.entityRef, 'component:default/claimed');
      assert.match(conflict.message, /the source contoso\/shop\/first@main/);
    });
  });
});
