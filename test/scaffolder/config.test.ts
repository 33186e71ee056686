import assert from 'node:assert/strict';
import { ConfigReader } from '@backstage/config';
import { readScaffolderAzureDevOpsConfig } from '../../backstage-modules/scaffolder-backend-module-azure-devops/src/config';
import { DEFAULT_GUARDRAILS } from '@stagedoor/plugin-scaffolder-backend-module-azure-devops';

describe('scaffolder module config', () => {
  it('defaults the Azure DevOps call timeout to 30 s and reads an override', () => {
    assert.deepEqual(readScaffolderAzureDevOpsConfig(new ConfigReader({})), {
      timeoutMs: 30_000,
      guardrails: DEFAULT_GUARDRAILS,
      registerCommunityActionIds: true,
    });
    const config = new ConfigReader({
      stagedoor: { scaffolder: { requestTimeoutSeconds: 5 } },
    });
    assert.deepEqual(readScaffolderAzureDevOpsConfig(config), {
      timeoutMs: 5_000,
      guardrails: DEFAULT_GUARDRAILS,
      registerCommunityActionIds: true,
    });
    assert.equal(
      readScaffolderAzureDevOpsConfig(
        new ConfigReader({
          stagedoor: { scaffolder: { registerCommunityActionIds: false } },
        }),
      ).registerCommunityActionIds,
      false,
    );
  });

  it('refuses timeouts that cannot work at start-up', () => {
    for (const bad of [0, -1, 601]) {
      const config = new ConfigReader({
        stagedoor: { scaffolder: { requestTimeoutSeconds: bad } },
      });
      assert.throws(
        () => readScaffolderAzureDevOpsConfig(config),
        /requestTimeoutSeconds must be between 1 and 600/,
      );
    }
  });
});
