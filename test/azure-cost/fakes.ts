/**
 * The fake Entra ID and the fake Cost Management together, with what a backend process
 * needs to reach them through DefaultAzureCredential's workload identity: the federated
 * token file, the AZURE_* variables and a CA file for NODE_EXTRA_CA_CERTS.
 */
import { request } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeEntra, type FakeEntra } from '../fixtures/entra';
import {
  startFakeCostManagement,
  type FakeCostManagement,
} from '../fixtures/cost-management';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = {
  clientId: '0a6c1f5e-5555-4c3b-9d7e-5f0c2a1b3c4d',
  objectId: '9f1e2d3c-5555-4b5a-8c7d-6e5f4a3b2c1d',
};

/** An Azure DevOps OIDC token for a service connection (what a federated credential trusts). */
export function oidcToken(entra: FakeEntra, serviceConnectionId: string) {
  const url = new URL(entra.oidcRequestUri);
  url.searchParams.set('api-version', '7.1');
  url.searchParams.set('serviceConnectionId', serviceConnectionId);
  return new Promise<string>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: entra.caPem,
        headers: { authorization: `Bearer ${entra.systemAccessToken}` },
      },
      res => {
        let text = '';
        res.on('data', c => (text += c));
        res.on('end', () => resolve(JSON.parse(text).oidcToken));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface AzureFakes {
  entra: FakeEntra;
  costManagement: FakeCostManagement;
  /** Environment of a backend process that should use them. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startAzureFakes(): Promise<AzureFakes> {
  const entra = await startFakeEntra();
  entra.registerApp({
    tenantId: TENANT,
    ...APP,
    federatedSubject: entra.subjectFor('backstage-workload'),
  });
  const costManagement = await startFakeCostManagement({
    entra,
    tenantId: TENANT,
  });
  const dir = mkdtempSync(join(tmpdir(), 'stagedoor-azure-fakes-'));
  const tokenFile = join(dir, 'azure-identity-token');
  writeFileSync(tokenFile, await oidcToken(entra, 'backstage-workload'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, `${entra.caPem}\n${costManagement.caPem}`);
  return {
    entra,
    costManagement,
    env: {
      NODE_EXTRA_CA_CERTS: caFile,
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: APP.clientId,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      AZURE_AUTHORITY_HOST: entra.url,
    },
    async close() {
      await costManagement.close();
      await entra.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
