import { strict as assert } from 'node:assert';
import {
  ALICE,
  BOB,
  as,
  readJson,
  startAzureCostBackend,
  waitForEntity,
} from './backend';
import { writeEntities } from './entities';

/**
 * The plugin through a real backend with the sample source: permissions through the
 * real catalog and permission backend, a Group's sum, typed error bodies.
 */
describe('Azure cost plugin (sample source, real catalog and permissions)', function () {
  this.timeout(180_000);
  let backend: Awaited<ReturnType<typeof startAzureCostBackend>>;

  before(async () => {
    backend = await startAzureCostBackend({
      azureCost: { source: 'sample', sample: { currency: 'EUR' } },
      entitiesFile: writeEntities(),
    });
    await waitForEntity(backend.baseUrl, 'component:default/ledger');
    await waitForEntity(backend.baseUrl, 'component:default/payments');
    await waitForEntity(backend.baseUrl, 'group:default/payments-team');
  });
  after(() => backend?.stop());

  const cost = (ref: string, user = ALICE, query = '') =>
    fetch(
      `${backend.baseUrl}/api/azure-cost/cost?entityRef=${encodeURIComponent(ref)}${query}`,
      { headers: as(user) },
    );

  it('answers the last 30 days of an annotated component, labelled sample', async () => {
    const res = await cost('component:default/payments');
    assert.equal(res.status, 200);
    const report = await readJson(res);
    assert.equal(report.source, 'sample');
    assert.equal(report.currency, 'EUR');
    assert.equal(report.daily.length, 30);
    assert.deepEqual(
      report.scopes.map((s: { resourceGroup: string }) => s.resourceGroup),
      ['rg-payments', 'rg-shared'],
    );
    assert.deepEqual(report.scopes[0].tag, {
      key: 'service',
      value: 'payments',
    });
    const sum = report.byService.reduce(
      (n: number, s: { cost: number }) => n + s.cost,
      0,
    );
    assert.ok(report.total > 0);
    assert.ok(Math.abs(sum - report.total) < 0.05, `${sum} vs ${report.total}`);
  });

  it('honours days within the configured maximum and refuses others', async () => {
    const week = await readJson(
      await cost('component:default/payments', ALICE, '&days=7'),
    );
    assert.equal(week.daily.length, 7);
    const res = await cost('component:default/payments', ALICE, '&days=400');
    assert.equal(res.status, 400);
    const body = await readJson(res);
    assert.equal(body.error.name, 'InputError');
    assert.match(
      body.error.message,
      /days must be a whole number from 1 to 92/,
    );
  });

  it('refuses the cost of an entity the user may not read (403, typed body)', async () => {
    const res = await cost('component:default/ledger', BOB);
    assert.equal(res.status, 403);
    const body = await readJson(res);
    assert.equal(body.error.name, 'NotAllowedError');
    assert.match(body.error.message, /may not read component:default\/ledger/);
    assert.equal((await cost('component:default/ledger', ALICE)).status, 200);
  });

  it("sums a Group's cost over the components it owns that the user may read", async () => {
    const payments = await readJson(await cost('component:default/payments'));
    const ledger = await readJson(await cost('component:default/ledger'));
    const alice = await readJson(await cost('group:default/payments-team'));
    assert.deepEqual(
      alice.components.map((c: { entityRef: string }) => c.entityRef).sort(),
      ['component:default/ledger', 'component:default/payments'],
    );
    assert.ok(Math.abs(alice.total - (payments.total + ledger.total)) < 0.05);
    const day0 = payments.daily[0].cost + ledger.daily[0].cost;
    assert.ok(Math.abs(alice.daily[0].cost - day0) < 0.05);

    const bob = await readJson(await cost('group:default/payments-team', BOB));
    assert.deepEqual(
      bob.components.map((c: { entityRef: string }) => c.entityRef),
      ['component:default/payments'],
    );
    assert.ok(Math.abs(bob.total - payments.total) < 0.05);
  });

  it('says what to add to an entity without the annotation, and 404s unknown ones', async () => {
    const res = await cost('component:default/billing-api');
    assert.equal(res.status, 400);
    assert.match(
      (await readJson(res)).error.message,
      /no azure\.com\/resource-group annotation/,
    );
    const missing = await cost('component:default/nope');
    assert.equal(missing.status, 404);
    assert.equal((await readJson(missing)).error.name, 'NotFoundError');
  });
});
