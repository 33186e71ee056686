export * from './types';
export { validateCatalogFiles } from './engine';
export { parsePolicyFile } from './policy';
export type { PolicyFile } from './policy';
export { EXTRA_RULES, resolveRepoPath } from './extraRules';
