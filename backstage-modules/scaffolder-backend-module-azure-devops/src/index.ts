/**
 * Scaffolder actions for Azure Pipelines, pipeline permissions, service connections and variable groups.
 *
 * @packageDocumentation
 */
export { scaffolderModuleStagedoorAzureDevOps as default } from './module';
export * from './actions';
export { AzureDevOpsClient } from './lib/client';
export {
  DEFAULT_GUARDRAILS,
  readGuardrailsConfig,
  type Guardrails,
  type GuardrailTarget,
} from './lib/guardrails';
