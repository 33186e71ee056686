/**
 * Push-based ingestion of catalog files from Azure DevOps pipelines.
 *
 * @packageDocumentation
 */
export { catalogModuleStagedoorPush as default } from './module';
