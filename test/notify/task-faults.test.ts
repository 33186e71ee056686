import { strict as assert } from 'node:assert';
import { closedPort, faultProxy } from './servers';
import { component, eventually, type NotifyBackend } from './backend';
import { runNotifyTask, withNotifyBackend } from './helpers';
import { buildVariables, makeRepo } from './repo';

/** The bundled task against a real catalog behind a misbehaving proxy (or nothing at all). */
describe('BackstageCatalogNotify@1 under faults', function () {
  this.timeout(180_000);
  let backend: NotifyBackend;
  const proxies: { close(): Promise<void> }[] = [];

  after(async () => {
    for (const p of proxies) await p.close();
  });
  withNotifyBackend(started => (backend = started));

  async function run(
    url: string,
    repo: string,
    build: string | Record<string, string>,
    inputs: Record<string, string> = {},
  ) {
    return runNotifyTask(url, repo, build, {
      inputs: { waitForProcessing: 'false', ...inputs },
      timeoutMs: 120_000,
    });
  }

  it('says the URL is wrong when nothing listens there', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('refused') });
    const run_ = await run(
      `http://127.0.0.1:${await closedPort()}`,
      repo,
      'refused',
      { timeoutSeconds: '20' },
    );
    assert.equal(run_.result, 'Failed', run_.stdout);
    assert.match(
      run_.resultMessage ?? '',
      /Could not connect to http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): check the Backstage URL/,
    );
    assert.ok(
      run_.issues.some(
        i => i.type === 'warning' && /ECONNREFUSED.*retrying/.test(i.message),
      ),
      'retries are logged',
    );
    assert.equal(
      run_.variables.entityRefs,
      undefined,
      'no outputs from a failed run',
    );
  });

  it('retries a 503 and applies the push exactly once', async () => {
    const proxy = await faultProxy(backend.baseUrl, ['503', 'pass']);
    proxies.push(proxy);
    const repo = makeRepo({ 'catalog-info.yaml': component('flaky') });
    const run_ = await run(proxy.url, repo, 'flaky');
    assert.equal(run_.result, 'Succeeded', run_.stdout);
    assert.ok(
      run_.issues.some(i => /HTTP 503.*retrying/.test(i.message)),
      run_.stdout,
    );
    assert.equal(proxy.forwarded.length, 1);
    await eventually(
      () => backend.entity('component:default/flaky'),
      'flaky in the catalog',
    );
  });

  it('waits as long as Retry-After asks on 429', async () => {
    const proxy = await faultProxy(backend.baseUrl, ['429', 'pass'], '2');
    proxies.push(proxy);
    const repo = makeRepo({ 'catalog-info.yaml': component('throttled') });
    const run_ = await run(proxy.url, repo, 'throttled');
    assert.equal(run_.result, 'Succeeded', run_.stdout);
    const waited = proxy.timestamps[1] - proxy.timestamps[0];
    assert.ok(waited >= 1_900, `retried after ${waited} ms`);
    assert.ok(
      run_.issues.some(i => /HTTP 429.*retrying in 2\.0 s/.test(i.message)),
      run_.stdout,
    );
  });

  it('gives up on a server that hangs past the timeout, leaving nothing behind, and a re-run applies', async () => {
    const proxy = await faultProxy(backend.baseUrl, ['hang', 'pass']);
    proxies.push(proxy);
    const repo = makeRepo({ 'catalog-info.yaml': component('hanging') });
    const variables = buildVariables('hanging');
    const first = await runNotifyTask(proxy.url, repo, variables, {
      inputs: { timeoutSeconds: '3' },
    });
    assert.equal(first.result, 'Failed', first.stdout);
    assert.match(first.resultMessage ?? '', /did not answer within \d+ s/);
    assert.ok(first.durationMs < 15_000, `took ${first.durationMs} ms`);
    assert.equal(proxy.forwarded.length, 0);
    assert.equal(await backend.entity('component:default/hanging'), undefined);
    assert.equal(first.variables.entityRefs, undefined);

    const again = await runNotifyTask(proxy.url, repo, variables, {
      timeoutMs: 120_000,
    });
    assert.equal(again.result, 'Succeeded', again.stdout);
    assert.match(again.resultMessage ?? '', /1 added.*processed/);
  });

  it('names the conflicting entity and its owner on 409', async () => {
    const a = makeRepo({ 'catalog-info.yaml': component('shared-name') });
    assert.equal(
      (await run(backend.baseUrl, a, 'owner-repo')).result,
      'Succeeded',
    );
    const b = makeRepo({ 'catalog-info.yaml': component('shared-name') });
    const run_ = await run(backend.baseUrl, b, 'thief-repo');
    assert.equal(run_.result, 'Failed', run_.stdout);
    assert.match(
      run_.resultMessage ?? '',
      /component:default\/shared-name.*contoso\/shop\/owner-repo@main/,
    );
  });

  it('says which newer commit won when the push is stale', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('stale') });
    const older = buildVariables('stale');
    const newer = buildVariables('stale');
    assert.equal((await run(backend.baseUrl, repo, older)).result, 'Succeeded');
    assert.equal((await run(backend.baseUrl, repo, newer)).result, 'Succeeded');
    const stale = await run(backend.baseUrl, repo, older);
    assert.equal(stale.result, 'Failed', stale.stdout);
    assert.match(
      stale.resultMessage ?? '',
      new RegExp(`newer push.*${newer['Build.SourceVersion']}`),
    );
  });

  it('names the principal and what to configure when the token is refused', async () => {
    const repo = makeRepo({ 'catalog-info.yaml': component('denied') });
    const run_ = await runNotifyTask(backend.baseUrl, repo, 'denied', {
      token: 'not-a-known-token',
    });
    assert.equal(run_.result, 'Failed', run_.stdout);
    assert.match(
      run_.resultMessage ?? '',
      /401\) of the static token of the Backstage service connection.*externalAccess/,
    );
  });
});
