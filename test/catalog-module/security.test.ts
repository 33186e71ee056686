/**
 * The push route's per-principal rate limit and its audit trail, through a real
 * backend: catalog plugin, push module, the framework's real auth, httpAuth,
 * httpRouter and auditor (whose events a recording root logger keeps).
 */
import assert from 'node:assert/strict';
import { ConfigReader } from '@backstage/config';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import pushModule from '@stagedoor/plugin-catalog-backend-module-push';
import { readPushConfig } from '../../backstage-modules/catalog-backend-module-push/src/config';
import { recordingAuditLog } from '../fixtures/auditLog';
import { component, pushBody } from './harness';

const PIPELINE = 'stagedoor-test-pipeline-token';
const OTHER = 'stagedoor-test-other-token';

describe('push route: rate limit per principal and audit events', function () {
  this.timeout(120_000);
  const audit = recordingAuditLog();
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let url: string;

  before(async () => {
    backend = await startTestBackend({
      features: [
        audit.factory,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              baseUrl: 'http://localhost:0',
              database: { client: 'better-sqlite3', connection: ':memory:' },
              auth: {
                externalAccess: [
                  {
                    type: 'static',
                    options: { token: PIPELINE, subject: 'pipeline' },
                  },
                  {
                    type: 'static',
                    options: { token: OTHER, subject: 'other' },
                  },
                ],
              },
            },
            events: { useEventBus: 'never' },
            catalog: {
              rules: [{ allow: ['Component', 'Location'] }],
              processingInterval: { seconds: 1 },
            },
            stagedoor: {
              push: {
                rules: [
                  { principals: ['pipeline'], sources: ['contoso/shop/*'] },
                  { principals: ['other'], sources: ['**'] },
                ],
                rateLimit: { requestsPerMinute: 3 },
              },
            },
          },
        }),
        authServiceFactory,
        httpAuthServiceFactory,
        httpRouterServiceFactory,
        catalogPlugin,
        pushModule,
      ],
    });
    url = `http://localhost:${backend.server.port()}/api/catalog/stagedoor/v1/push`;
  });
  after(() => backend?.stop());

  const push = async (token: string, body: unknown) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as any,
    };
  };
  const pushEvents = (sourceKey?: string) =>
    audit.events.filter(
      e =>
        e.message === 'catalog.push' &&
        e.status !== 'initiated' &&
        (!sourceKey || e.meta?.sourceKey === sourceKey),
    );

  it('records an accepted push with the principal, the source, the outcome and the counts', async () => {
    const res = await push(
      PIPELINE,
      pushBody('payments', { 'catalog-info.yaml': component('payments') }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [event] = pushEvents();
    assert.ok(event, 'an audit event');
    assert.equal(event.status, 'succeeded');
    assert.match(String(event.actor.actorId), /(^|:)pipeline$/);
    assert.equal(event.meta?.sourceKey, res.body.sourceKey);
    assert.equal(event.meta?.files, 1);
    assert.equal(event.meta?.added, 1);
    assert.equal(event.meta?.removed, 0);
    assert.equal(event.meta?.dryRun, false);
  });

  it('records a refused push with the error, never the file contents', async () => {
    const before = pushEvents().length;
    const secret = 'do-not-log-this-0123456789';
    const res = await push(
      PIPELINE,
      pushBody('payments', {
        'catalog-info.yaml': `${component('payments')}  password: ${secret}\n  - broken: [\n`,
      }),
    );
    assert.equal(res.status, 422, JSON.stringify(res.body));
    const event = pushEvents().at(-1)!;
    assert.equal(pushEvents().length, before + 1);
    assert.equal(event.status, 'failed');
    assert.equal(event.error?.name, 'UnprocessableEntitiesError');
    const all = audit.events.map(e => e.raw).join('\n');
    assert.ok(!all.includes(secret), 'no file content in audit events');
  });

  it('answers 429 with Retry-After once a principal exceeds its pushes per minute, for that principal only, and audits it', async () => {
    // Two pushes were made above; the limit is 3 a minute.
    const third = await push(
      PIPELINE,
      pushBody('orders', { 'catalog-info.yaml': component('orders') }),
    );
    assert.equal(third.status, 200, JSON.stringify(third.body));
    const fourth = await push(
      PIPELINE,
      pushBody('orders', { 'catalog-info.yaml': component('orders') }),
    );
    assert.equal(fourth.status, 429, JSON.stringify(fourth.body));
    const seconds = Number(fourth.retryAfter);
    assert.ok(
      Number.isInteger(seconds) && seconds >= 1 && seconds <= 60,
      `Retry-After: ${fourth.retryAfter}`,
    );
    assert.equal(fourth.body.error.name, 'TooManyRequestsError');
    assert.match(
      fourth.body.error.message,
      /stagedoor\.push\.rateLimit\.requestsPerMinute/,
    );
    assert.equal(fourth.body.response.statusCode, 429);

    const other = await push(
      OTHER,
      pushBody('billing', { 'catalog-info.yaml': component('billing') }),
    );
    assert.equal(other.status, 200, JSON.stringify(other.body));

    await eventually(() =>
      pushEvents().some(e => e.error?.name === 'TooManyRequestsError'),
    );
  });

  it('reads the limit from config: none by default, a positive integer when set', () => {
    assert.equal(readPushConfig(new ConfigReader({})).rateLimit, undefined);
    const read = (rateLimit: object) =>
      readPushConfig(
        new ConfigReader({ stagedoor: { push: { rateLimit } } } as any),
      ).rateLimit;
    assert.deepEqual(read({}), { requestsPerMinute: 60 });
    assert.deepEqual(read({ requestsPerMinute: 600 }), {
      requestsPerMinute: 600,
    });
    assert.throws(
      () => read({ requestsPerMinute: 0 }),
      /rateLimit\.requestsPerMinute must be a positive integer/,
    );
  });
});

async function eventually(check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise(r => setTimeout(r, 50));
  }
}
