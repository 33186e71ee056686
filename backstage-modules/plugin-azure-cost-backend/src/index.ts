/**
 * The Azure cost backend plugin: the cost of a catalog entity's Azure resources
 * from the Cost Management Query API.
 *
 * @packageDocumentation
 */
export { azureCostPlugin as default } from './plugin';
export { readAzureCostConfig, type AzureCostConfig } from './config';
export * from './types';
