import { strict as assert } from 'node:assert';
import { type NotifyBackend } from './backend';
import { runNotifyTask, withNotifyBackend } from './helpers';
import { makeRepo, writeFiles } from './repo';

/**
 * An API whose definition the catalog cannot read (`broken`), or can (inline). The
 * catalog reports a processing error on an entity it already holds (in `status.items`);
 * a brand-new entity that fails processing never becomes visible through its API, and
 * the push module's status route reports it from the catalog's error events.
 */
function api(name: string, broken: boolean): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: API',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  type: openapi',
    '  lifecycle: production',
    '  owner: team-a',
    ...(broken
      ? // Loopback, and not in backend.reading.allow: the catalog's URL reader refuses it.
        ['  definition:', '    $text: http://127.0.0.1:9/openapi.yaml']
      : ['  definition: "openapi: 3.0.0"']),
    '',
  ].join('\n');
}

describe('BackstageCatalogNotify@1 waiting for processing', function () {
  this.timeout(180_000);
  let backend: NotifyBackend;

  withNotifyBackend(started => (backend = started));

  /** Pushes the working API and waits until the catalog holds it, then breaks the file. */
  async function pushedThenBroken(name: string): Promise<string> {
    const repo = makeRepo({ 'catalog-info.yaml': api(name, false) });
    const first = await runNotifyTask(backend.baseUrl, repo, name, {
      timeoutMs: 150_000,
    });
    assert.equal(first.result, 'Succeeded', first.stdout + first.stderr);
    writeFiles(repo, { 'catalog-info.yaml': api(name, true) });
    return repo;
  }

  it("fails with the catalog's processing error for the entity", async () => {
    const repo = await pushedThenBroken('orders-api');
    const run = await runNotifyTask(backend.baseUrl, repo, 'orders-api', {
      inputs: { timeoutSeconds: '90' },
      timeoutMs: 150_000,
    });
    assert.equal(run.result, 'Failed', run.stdout + run.stderr);
    const error = run.issues.find(
      i =>
        i.type === 'error' &&
        i.message.startsWith('api:default/orders-api: the catalog reported'),
    );
    assert.ok(error, run.stdout);
    assert.match(error.message, /127\.0\.0\.1:9/);
    assert.match(run.resultMessage ?? '', /1 with processing errors/);
  });

  it("fails fast with the catalog's error for a new entity it never processed", async () => {
    const repo = makeRepo({ 'catalog-info.yaml': api('invoices-api', true) });
    const run = await runNotifyTask(backend.baseUrl, repo, 'invoices-api', {
      inputs: { timeoutSeconds: '90' },
      timeoutMs: 150_000,
    });
    assert.equal(run.result, 'Failed', run.stdout + run.stderr);
    const error = run.issues.find(
      i =>
        i.type === 'error' &&
        i.message.startsWith('api:default/invoices-api: the catalog reported'),
    );
    assert.ok(error, run.stdout);
    assert.match(error.message, /127\.0\.0\.1:9/);
    assert.match(run.resultMessage ?? '', /1 with processing errors/);
    assert.doesNotMatch(run.resultMessage ?? '', /not processed in time/);
    // Well before timeoutSeconds: the run did not wait for the deadline.
    assert.ok(run.durationMs < 60_000, `took ${run.durationMs} ms`);
  });

  it('only warns about processing errors when told to', async () => {
    const repo = await pushedThenBroken('billing-api');
    const run = await runNotifyTask(backend.baseUrl, repo, 'billing-api', {
      inputs: { timeoutSeconds: '90', failOnProcessingErrors: 'false' },
      timeoutMs: 150_000,
    });
    assert.equal(run.result, 'SucceededWithIssues', run.stdout + run.stderr);
    assert.ok(
      run.issues.some(
        i =>
          i.type === 'warning' &&
          i.message.startsWith('api:default/billing-api: the catalog reported'),
      ),
    );
    assert.equal(run.variables.entityRefs, 'api:default/billing-api');
  });
});
