/**
 * The Azure cost frontend plugin (new frontend system).
 *
 * @packageDocumentation
 */
export { azureCostPlugin as default } from './plugin';
export { azureCostApiRef, AzureCostClient, type AzureCostApi } from './api';
