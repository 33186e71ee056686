export * from './reporter';
export { main } from './cli';
