export type { AzureRmConnection, BackstageConnection } from './types';
export { createAzureCredential } from './azure';
export {
  backstageToken,
  scopeForAudience,
  type BackstageToken,
} from './backstage';
