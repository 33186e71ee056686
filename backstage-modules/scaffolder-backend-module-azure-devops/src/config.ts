import type { Config } from '@backstage/config';
import { Guardrails, readGuardrailsConfig } from './lib/guardrails';

/** The module's settings, read once at start-up. */
export interface ScaffolderAzureDevOpsConfig {
  timeoutMs: number;
  guardrails: Guardrails;
  /** False: leave the ids the community module also registers to it. */
  registerCommunityActionIds: boolean;
}

/** Reads `stagedoor.scaffolder`; throws at start-up on values that cannot work. */
export function readScaffolderAzureDevOpsConfig(
  config: Config,
): ScaffolderAzureDevOpsConfig {
  const key = 'stagedoor.scaffolder.requestTimeoutSeconds';
  const seconds = config.getOptionalNumber(key) ?? 30;
  if (!(seconds > 0 && seconds <= 600)) {
    throw new Error(`${key} must be between 1 and 600 seconds, got ${seconds}`);
  }
  return {
    timeoutMs: seconds * 1000,
    guardrails: readGuardrailsConfig(config),
    registerCommunityActionIds:
      config.getOptionalBoolean(
        'stagedoor.scaffolder.registerCommunityActionIds',
      ) ?? true,
  };
}
