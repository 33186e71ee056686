import { strict as assert } from 'node:assert';
import {
  BackstageHttpClient,
  ConflictHttpError,
  StalePushError,
  UnprocessableHttpError,
} from '../../tasks/shared/src/backstage';
import {
  HttpClient,
  HttpError,
  backoffDelay,
  parseRetryAfter,
  sleep,
  DEFAULT_RETRY_POLICY,
} from '../../tasks/shared/src/http';
import { startFakeEntra } from '../fixtures/entra';
import {
  closedPort,
  hang,
  json,
  scriptedServer,
  type ScriptedServer,
} from './servers';

const fast = { baseDelayMs: 20, maxDelayMs: 100 };

describe('HTTP client', function () {
  this.timeout(30_000);
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('grows backoff exponentially with jitter inside [half, full] and a cap', () => {
    const policy = {
      ...DEFAULT_RETRY_POLICY,
      baseDelayMs: 100,
      maxDelayMs: 1000,
    };
    const cases: [number, number, number][] = [
      [0, 0, 50],
      [0, 1, 100],
      [1, 0, 100],
      [2, 1, 400],
      [3, 0.5, 600],
      [10, 1, 1000],
    ];
    for (const [attempt, random, expected] of cases) {
      assert.equal(
        backoffDelay(attempt, policy, () => random),
        expected,
        `attempt ${attempt}, random ${random}`,
      );
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it('retries a 503 and returns the answer that follows', async () => {
    server = await scriptedServer([
      json(503, { error: { message: 'starting' } }),
      json(200, { ok: true }),
    ]);
    const retries: string[] = [];
    const client = new HttpClient({
      baseUrl: server.url,
      retry: fast,
      onRetry: r => retries.push(r.reason),
    });
    const response = await client.request({
      method: 'POST',
      path: '/x',
      body: { a: 1 },
    });
    assert.deepEqual(response.body, { ok: true });
    assert.equal(response.attempts, 2);
    assert.deepEqual(retries, ['HTTP 503']);
    assert.equal(server.requests[1].body, '{"a":1}');
  });

  it('waits as long as Retry-After asks on 429', async () => {
    server = await scriptedServer([
      json(429, {}, { 'retry-after': '1' }),
      json(200, { ok: true }),
    ]);
    const client = new HttpClient({ baseUrl: server.url, retry: fast });
    await client.request({ method: 'GET', path: '/x' });
    const waited = server.requests[1].at - server.requests[0].at;
    assert.ok(waited >= 950, `waited ${waited} ms`);
  });

  it('gives up at once when Retry-After is beyond the time budget', async () => {
    server = await scriptedServer([json(429, {}, { 'retry-after': '3600' })]);
    const client = new HttpClient({
      baseUrl: server.url,
      retry: fast,
      budgetMs: 5_000,
    });
    await assert.rejects(
      client.request({ method: 'GET', path: '/x' }),
      (e: HttpError) => {
        assert.equal(e.status, 429);
        assert.match(e.message, /retry after 3600 s, beyond the time budget/);
        return true;
      },
    );
    assert.equal(server.requests.length, 1);
  });

  it('does not retry other 4xx answers', async () => {
    server = await scriptedServer([
      json(400, { error: { name: 'InputError', message: 'bad field' } }),
    ]);
    const client = new HttpClient({ baseUrl: server.url, retry: fast });
    await assert.rejects(
      client.request({ method: 'POST', path: '/x', body: {} }),
      /bad field/,
    );
    assert.equal(server.requests.length, 1);
  });

  it('stops after the bounded number of retries on persistent 5xx', async () => {
    server = await scriptedServer([json(502, {})]);
    const client = new HttpClient({
      baseUrl: server.url,
      retry: { ...fast, maxRetries: 2 },
    });
    await assert.rejects(
      client.request({ method: 'GET', path: '/x' }),
      (e: HttpError) => e.status === 502,
    );
    assert.equal(server.requests.length, 3);
  });

  it('says the URL is wrong when the connection is refused', async () => {
    const port = await closedPort();
    const client = new BackstageHttpClient({
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { ...fast, maxRetries: 1 },
    });
    await assert.rejects(
      client.request({ method: 'GET', path: '/x' }),
      (e: HttpError) => {
        assert.equal(e.kind, 'connection');
        assert.match(e.message, /ECONNREFUSED.*check the Backstage URL/);
        assert.equal(e.details.attempts, 2);
        return true;
      },
    );
  });

  it('times out a server that hangs and keeps within the budget', async () => {
    server = await scriptedServer([hang]);
    const client = new HttpClient({
      baseUrl: server.url,
      requestTimeoutMs: 300,
      budgetMs: 1_500,
      retry: fast,
    });
    const started = Date.now();
    await assert.rejects(
      client.request({ method: 'GET', path: '/x' }),
      (e: HttpError) => e.kind === 'timeout',
    );
    assert.ok(Date.now() - started < 3_000);
  });

  it('explains an untrusted TLS certificate', async () => {
    const entra = await startFakeEntra();
    try {
      const client = new HttpClient({ baseUrl: entra.url, retry: fast });
      await assert.rejects(
        client.request({
          method: 'GET',
          path: '/.well-known/openid-configuration',
        }),
        (e: HttpError) => {
          assert.equal(e.kind, 'tls');
          assert.match(e.message, /NODE_EXTRA_CA_CERTS/);
          assert.equal(e.details.attempts, 1);
          return true;
        },
      );
    } finally {
      await entra.close();
    }
  });

  it('names the principal and what to configure on 401 and 403', async () => {
    server = await scriptedServer([
      json(401, {
        error: { name: 'AuthenticationError', message: 'Illegal token' },
      }),
      json(403, {}),
    ]);
    const client = new BackstageHttpClient({
      baseUrl: server.url,
      token: 't',
      principal: 'Entra application abc',
    });
    await assert.rejects(
      client.request({ method: 'GET', path: '/x' }),
      /401\) of Entra application abc.*externalAccess.*Illegal token/,
    );
    await assert.rejects(
      client.request({ method: 'GET', path: '/x' }),
      /403\) for Entra application abc.*accessRestrictions/,
    );
    assert.equal(server.requests[0].headers.authorization, 'Bearer t');
  });

  it('types 409 conflicts, stale pushes and 422 problems', async () => {
    const problem = {
      file: 'catalog-info.yaml',
      line: 3,
      column: 1,
      severity: 'error',
      rule: 'entity/x',
      message: 'bad',
    };
    server = await scriptedServer([
      // The push API's typed error bodies (@stagedoor/common pushErrorBodySchema).
      json(409, {
        error: {
          name: 'ConflictError',
          message: 'owned elsewhere',
          code: 'ownership-conflict',
          conflicts: [
            {
              entityRef: 'component:default/a',
              ownerType: 'source',
              owner: 'contoso/p/other@main',
            },
          ],
        },
        response: { statusCode: 409 },
      }),
      json(409, {
        error: {
          name: 'ConflictError',
          message: 'stale push',
          code: 'stale-push',
          sourceKey: 'contoso/p/r@main',
          incoming: { commit: 'aaa0000', buildId: 1 },
          applied: { commit: 'abc1234', buildId: 2 },
        },
        response: { statusCode: 409 },
      }),
      json(422, {
        error: {
          name: 'UnprocessableEntitiesError',
          message: 'invalid',
          code: 'invalid-files',
          problems: [problem],
        },
        response: { statusCode: 422 },
      }),
    ]);
    const client = new BackstageHttpClient({ baseUrl: server.url });
    await assert.rejects(
      client.request({ method: 'POST', path: '/x' }),
      (e: ConflictHttpError) => {
        assert.ok(e instanceof ConflictHttpError);
        assert.match(
          e.message,
          /component:default\/a \(owned by contoso\/p\/other@main\)/,
        );
        return true;
      },
    );
    await assert.rejects(
      client.request({ method: 'POST', path: '/x' }),
      (e: StalePushError) => {
        assert.ok(e instanceof StalePushError);
        assert.equal(e.newerCommit, 'abc1234');
        return true;
      },
    );
    await assert.rejects(
      client.request({ method: 'POST', path: '/x' }),
      (e: UnprocessableHttpError) => {
        assert.ok(e instanceof UnprocessableHttpError);
        assert.deepEqual(e.problems, [problem]);
        return true;
      },
    );
  });

  it('gives no Backstage advice when calling another server', async () => {
    const port = await closedPort();
    const refused = new HttpClient({
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { ...fast, maxRetries: 0 },
    });
    await assert.rejects(
      refused.request({ method: 'GET', path: '/x' }),
      (e: HttpError) => {
        assert.equal(e.kind, 'connection');
        assert.equal(e.details.code, 'ECONNREFUSED');
        assert.doesNotMatch(e.message, /Backstage/);
        return true;
      },
    );
    server = await scriptedServer([
      json(401, { message: 'TF400813: not authorized' }),
      json(409, { error: { name: 'ConflictError', message: 'stale push' } }),
    ]);
    const client = new HttpClient({
      baseUrl: server.url,
      principal: 'the PAT',
    });
    await assert.rejects(
      client.request({ method: 'GET', path: '/x' }),
      (e: HttpError) => {
        assert.equal(e.kind, 'unauthorized');
        assert.match(e.message, /\(401\) of the PAT.*TF400813/);
        assert.doesNotMatch(e.message, /Backstage|externalAccess/);
        return true;
      },
    );
    await assert.rejects(
      client.request({ method: 'POST', path: '/x' }),
      (e: HttpError) => {
        assert.equal(e.kind, 'status');
        assert.equal(e.status, 409);
        assert.ok(!(e instanceof StalePushError));
        return true;
      },
    );
  });

  it('sleeps the time asked, and stops at once when aborted', async () => {
    let started = Date.now();
    await sleep(100);
    assert.ok(Date.now() - started >= 95);
    const controller = new AbortController();
    started = Date.now();
    const waiting = sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await assert.rejects(waiting, /cancelled/);
    assert.ok(Date.now() - started < 1_000);
    await assert.rejects(sleep(10, controller.signal), /cancelled/);
  });
});
