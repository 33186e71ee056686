import assert from 'node:assert/strict';
import { FakeAzureDevOps } from '../fixtures/azure-devops';
import { PAT, startFake } from './helpers';

/** The fake must refuse what the service refuses, or the action tests prove nothing. */
describe('the fake Azure DevOps', () => {
  let fake: FakeAzureDevOps;
  before(async () => {
    fake = await startFake();
  });
  after(() => fake.close());

  const auth = {
    authorization: `Basic ${Buffer.from(`:${PAT}`).toString('base64')}`,
  };
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = auth,
  ) => {
    const res = await fetch(`${fake.orgUrl}/${path}`, {
      method,
      headers: { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json().catch(() => undefined)) as any,
    };
  };

  it('answers 401 without credentials and with unknown tokens', async () => {
    assert.equal(
      (await call('GET', '_apis/projects?api-version=7.1', undefined, {}))
        .status,
      401,
    );
    assert.equal(
      (
        await call('GET', '_apis/projects?api-version=7.1', undefined, {
          authorization: 'Bearer nope',
        })
      ).status,
      401,
    );
  });

  it('rejects a missing, too new or non-preview api-version where the spec demands one', async () => {
    assert.match(
      (await call('GET', '_apis/projects')).body.message,
      /No api-version was supplied/,
    );
    assert.equal(
      (await call('GET', '_apis/projects?api-version=7.2')).status,
      400,
    );
    assert.equal(
      (
        await call(
          'GET',
          'Platform/_apis/pipelines/pipelinepermissions/queue/1?api-version=7.1',
        )
      ).status,
      400,
    );
    assert.equal(
      (
        await call(
          'GET',
          'Platform/_apis/pipelines/pipelinepermissions/queue/1?api-version=7.1-preview.1',
        )
      ).status,
      200,
    );
  });

  it('checks required parameters and body types against the spec', async () => {
    assert.match(
      (await call('POST', 'Platform/_apis/pipelines?api-version=7.1')).body
        .message,
      /Parameter name: body/,
    );
    const bad = await call('POST', 'Platform/_apis/pipelines?api-version=7.1', {
      name: 1,
    });
    assert.match(bad.body.message, /body\.name: expected a string/);
    const badEnum = await call(
      'POST',
      'Platform/_apis/pipelines?api-version=7.1',
      { name: 'x', configuration: { type: 'xml' } },
    );
    assert.match(badEnum.body.message, /not one of/);
    assert.match(
      (
        await call(
          'GET',
          'Platform/_apis/serviceendpoint/endpoints?api-version=7.1',
        )
      ).body.message,
      /endpointNames/,
    );
  });

  it('matches routes case-insensitively, 404s unknown routes and ids, 405s wrong methods', async () => {
    assert.equal(
      (await call('GET', '_APIS/Projects/platform?api-version=7.1')).status,
      200,
    );
    assert.equal(
      (await call('GET', '_apis/nothing?api-version=7.1')).status,
      404,
    );
    assert.equal(
      (await call('GET', 'Platform/_apis/pipelines/4242?api-version=7.1'))
        .status,
      404,
    );
    assert.equal(
      (await call('PUT', 'Platform/_apis/pipelines?api-version=7.1', {}))
        .status,
      405,
    );
  });

  it('records what it saw', () => {
    const last = fake.requests[fake.requests.length - 1];
    assert.equal(last.method, 'PUT');
    assert.equal(last.status, 405);
  });
});
