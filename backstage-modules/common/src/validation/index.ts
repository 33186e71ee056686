export * from './types';
export {
  checkCatalogFiles,
  finishCatalogValidation,
  validateCatalogFiles,
} from './engine';
export type { CatalogFileChecks, CheckedDocument } from './engine';
export { parsePolicyFile } from './policy';
export type { PolicyFile } from './policy';
export { EXTRA_RULES, resolveRepoPath } from './extraRules';
