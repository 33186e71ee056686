export * from './types';
export {
  checkCatalogFiles,
  finishCatalogValidation,
  validateCatalogFiles,
} from './engine';
export type { CatalogFileChecks, CheckedDocument } from './engine';
export { parsePolicy, parsePolicyFile } from './policy';
export { POLICY_RULES } from './policyRules';
export type { PolicyFile } from './policy';
export { EXTRA_RULES, resolveRepoPath } from './extraRules';
