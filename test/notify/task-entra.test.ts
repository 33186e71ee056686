import { strict as assert } from 'node:assert';
import { rootCertificates } from 'node:tls';
import { globalAgent } from 'node:https';
import { runTask, type AgentEndpoint } from '../fixtures/agent';
import {
  createClientCertificate,
  startFakeEntra,
  type FakeEntra,
} from '../fixtures/entra';
import {
  component,
  eventually,
  startNotifyBackend,
  type NotifyBackend,
} from './backend';
import { buildTasks } from './helpers';
import { buildVariables, makeRepo, removeRepos } from './repo';

const TASK = 'BackstageCatalogNotifyV1';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const AUDIENCE = 'api://backstage-stagedoor';
const WIF = {
  clientId: '0a6c1f5e-1111-4c3b-9d7e-5f0c2a1b3c4d',
  objectId: '9f1e2d3c-1111-4b5a-8c7d-6e5f4a3b2c1d',
};
const MSI = {
  clientId: '0a6c1f5e-3333-4c3b-9d7e-5f0c2a1b3c4d',
  objectId: '9f1e2d3c-3333-4b5a-8c7d-6e5f4a3b2c1d',
};
const SPN = {
  clientId: '0a6c1f5e-2222-4c3b-9d7e-5f0c2a1b3c4d',
  objectId: '9f1e2d3c-2222-4b5a-8c7d-6e5f4a3b2c1d',
};

/**
 * The Entra ID path for real: @azure/identity, unmodified, against a local OpenID
 * Connect endpoint over HTTPS; the backend accepts the token through a `jwks`
 * external-access entry that points at that endpoint's keys.
 */
describe('BackstageCatalogNotify@1 with Microsoft Entra ID', function () {
  this.timeout(180_000);
  let entra: FakeEntra;
  let backend: NotifyBackend;
  let previousCa: typeof globalAgent.options.ca;
  let certificate: Awaited<ReturnType<typeof createClientCertificate>>;

  before(async () => {
    buildTasks();
    entra = await startFakeEntra();
    certificate = await createClientCertificate();
    entra.registerApp({
      tenantId: TENANT,
      ...WIF,
      federatedSubject: entra.subjectFor('arm-wif'),
    });
    entra.registerApp({
      tenantId: TENANT,
      ...SPN,
      certificatePem: certificate.cert,
      secret: 'spn-secret-value',
    });
    entra.registerApp({ tenantId: TENANT, ...MSI, managedIdentity: true });
    // The backend runs in this process, and its JWKS client (jose 5, node:https with the
    // global agent) must trust the test certificate, as the task's process does through
    // NODE_EXTRA_CA_CERTS.
    previousCa = globalAgent.options.ca;
    globalAgent.options.ca = [...rootCertificates, entra.caPem];
    backend = await startNotifyBackend({
      externalAccess: [
        {
          type: 'jwks',
          options: {
            url: entra.jwksUri(TENANT),
            issuer: entra.issuer(TENANT),
            audience: AUDIENCE,
            algorithm: 'RS256',
            subjectPrefix: 'entra',
          },
        },
      ],
      principals: [
        `external:entra:${WIF.objectId}`,
        `external:entra:${SPN.objectId}`,
        `external:entra:${MSI.objectId}`,
      ],
    });
  });
  after(async () => {
    await backend?.stop();
    await entra?.close();
    // An agent's options override a request's own (`ca: undefined` included), so an absent
    // `ca` must stay absent: later tests pass their fakes' CAs per request.
    if (previousCa === undefined) delete globalAgent.options.ca;
    else globalAgent.options.ca = previousCa;
    removeRepos();
  });

  function endpoints(
    arm: AgentEndpoint,
    audience = AUDIENCE,
  ): Record<string, AgentEndpoint> {
    return {
      'backstage-prod': {
        url: backend.baseUrl,
        scheme: 'None',
        data: {
          authenticationMethod: 'entra',
          azureSubscription: 'arm',
          audience,
        },
      },
      arm,
    };
  }

  async function run(name: string, arm: AgentEndpoint, audience?: string) {
    const repo = makeRepo({ 'catalog-info.yaml': component(name) });
    return runTask(TASK, {
      inputs: {
        backstageConnection: 'backstage-prod',
        azureSubscription: 'arm',
      },
      endpoints: endpoints(arm, audience),
      variables: {
        ...buildVariables(name),
        'System.OidcRequestUri': entra.oidcRequestUri,
      },
      systemAccessToken: entra.systemAccessToken,
      sourcesDirectory: repo,
      env: {
        NODE_EXTRA_CA_CERTS: entra.caFile,
        // What App Service (and the agent on it) sets for a managed identity.
        IDENTITY_ENDPOINT: entra.identityEndpoint,
        IDENTITY_HEADER: entra.identityHeader,
      },
      timeoutMs: 120_000,
    });
  }

  it('pushes with workload identity federation: OIDC token from the pipeline, exchanged for an access token', async () => {
    const before = entra.requests.length;
    // The connection id the agent uses is the endpoint id; the federated subject names it.
    const arm: AgentEndpoint = {
      url: 'https://management.azure.com/',
      scheme: 'WorkloadIdentityFederation',
      parameters: { serviceprincipalid: WIF.clientId, tenantid: TENANT },
      data: { environmentAuthorityUrl: entra.url },
    };
    entra.registerApp({
      tenantId: TENANT,
      ...WIF,
      federatedSubject: entra.subjectFor('arm'),
    });
    const result = await run('federated', arm);
    assert.equal(result.result, 'Succeeded', result.stdout + result.stderr);
    const seen = entra.requests.slice(before);
    assert.ok(
      seen.some(r => r.path.endsWith('/oidctoken') && r.status === 200),
      'asked System.OidcRequestUri',
    );
    assert.ok(
      seen.some(
        r =>
          r.via === 'federated' &&
          r.clientId === WIF.clientId &&
          r.status === 200,
      ),
      'exchanged it',
    );
    const entity = await eventually(
      () => backend.entity('component:default/federated'),
      'the pushed entity',
    );
    assert.equal(
      entity.metadata.annotations['stagedoor.io/source-key'],
      'contoso/shop/federated@main',
    );
    assert.ok(
      result.secrets.some(s => s.split('.').length === 3),
      'the access token is registered as a secret',
    );
    assert.ok(
      result.secrets.includes(entra.systemAccessToken),
      'System.AccessToken is registered as a secret',
    );
  });

  it('pushes with a service principal certificate', async () => {
    const arm: AgentEndpoint = {
      url: 'https://management.azure.com/',
      scheme: 'ServicePrincipal',
      parameters: {
        serviceprincipalid: SPN.clientId,
        tenantid: TENANT,
        authenticationType: 'spnCertificate',
        servicePrincipalCertificate: certificate.combined,
      },
      data: { environmentAuthorityUrl: entra.url },
    };
    const result = await run('certified', arm);
    assert.equal(result.result, 'Succeeded', result.stdout + result.stderr);
    assert.ok(
      entra.requests.some(
        r =>
          r.via === 'certificate' &&
          r.clientId === SPN.clientId &&
          r.status === 200,
      ),
    );
  });

  it("pushes with the agent's managed identity", async () => {
    const arm: AgentEndpoint = {
      url: 'https://management.azure.com/',
      scheme: 'ManagedServiceIdentity',
      parameters: { tenantid: TENANT },
    };
    const result = await run('managed', arm);
    assert.equal(result.result, 'Succeeded', result.stdout + result.stderr);
    assert.ok(
      entra.requests.some(r => r.path === '/msi/token' && r.status === 200),
    );
    assert.ok(await backend.entity('component:default/managed'));
  });

  it('names the Entra application when Backstage refuses its token', async () => {
    const arm: AgentEndpoint = {
      url: 'https://management.azure.com/',
      scheme: 'ServicePrincipal',
      parameters: {
        serviceprincipalid: SPN.clientId,
        tenantid: TENANT,
        authenticationType: 'spnKey',
        serviceprincipalkey: 'spn-secret-value',
      },
      data: { environmentAuthorityUrl: entra.url },
    };
    const result = await run('wrong-audience', arm, 'api://some-other-app');
    assert.equal(result.result, 'Failed', result.stdout);
    assert.match(
      result.resultMessage ?? '',
      new RegExp(
        `401\\) of Entra application ${SPN.clientId} \\(object id ${SPN.objectId}\\).*audience api://some-other-app.*jwks`,
      ),
    );
    assert.ok(!result.log.some(l => l.includes('spn-secret-value')));
  });

  it('says what to fix when Entra ID refuses the credentials', async () => {
    const arm: AgentEndpoint = {
      url: 'https://management.azure.com/',
      scheme: 'ServicePrincipal',
      parameters: {
        serviceprincipalid: SPN.clientId,
        tenantid: TENANT,
        authenticationType: 'spnKey',
        serviceprincipalkey: 'wrong-secret',
      },
      data: { environmentAuthorityUrl: entra.url },
    };
    const result = await run('bad-secret', arm);
    assert.equal(result.result, 'Failed', result.stdout);
    assert.match(
      result.resultMessage ?? '',
      /Could not get a Microsoft Entra ID token for api:\/\/backstage-stagedoor\/\.default.*AADSTS7000215/,
    );
    assert.ok(
      !result.stdout.includes('wrong-secret') ||
        result.secrets.includes('wrong-secret'),
    );
  });
});
