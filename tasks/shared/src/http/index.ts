export {
  HttpClient,
  serverMessage,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
} from './client';
export * from './errors';
export * from './retry';
export { sleep } from './sleep';
