export * from './problems';
export * from './push/protocol';
export * from './azure/urls';
export * from './validation';
export * from './templates';
