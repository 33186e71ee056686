export { BackstageHttpClient, explainBackstageError } from './client';
export * from './errors';
