/**
 * Small loopback HTTP servers for client tests: each answers from a script of
 * handlers, one per request (the last one repeats), and records what it received.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
) => void;

export interface ScriptedServer {
  url: string;
  requests: {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: string;
    at: number;
  }[];
  close(): Promise<void>;
}

export async function scriptedServer(
  script: Handler[],
): Promise<ScriptedServer> {
  const requests: ScriptedServer['requests'] = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body,
      at: Date.now(),
    });
    const handler = script[Math.min(requests.length - 1, script.length - 1)];
    handler(req, res, body);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json =
  (
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): Handler =>
  (_req, res) => {
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify(body));
  };

/** Never answers (until the server closes). */
export const hang: Handler = () => {};

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}

/** What a fault proxy does with one push request. */
export type Fault = 'pass' | '503' | '429' | 'hang';

/**
 * A proxy in front of a real backend that misbehaves on `POST …/push` requests,
 * following `faults` (one per push; the last repeats), and forwards everything else.
 */
export async function faultProxy(
  target: string,
  faults: Fault[],
  retryAfter = '2',
) {
  let pushes = 0;
  const forwarded: string[] = [];
  const timestamps: number[] = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const isPush =
      req.method === 'POST' && (req.url ?? '').includes('/stagedoor/v1/push');
    if (isPush) {
      timestamps.push(Date.now());
      const fault = faults[Math.min(pushes++, faults.length - 1)];
      if (fault === 'hang') return;
      if (fault === '503') {
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end(
            '{"error":{"name":"ServiceUnavailableError","message":"restarting"}}',
          );
        return;
      }
      if (fault === '429') {
        res
          .writeHead(429, {
            'content-type': 'application/json',
            'retry-after': retryAfter,
          })
          .end('{"error":{"message":"slow down"}}');
        return;
      }
      forwarded.push(req.url ?? '');
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === 'string' && k !== 'host' && k !== 'content-length')
        headers[k] = v;
    const upstream = await fetch(target + req.url, {
      method: req.method,
      headers,
      body: body || undefined,
    });
    const text = await upstream.text();
    res
      .writeHead(upstream.status, {
        'content-type':
          upstream.headers.get('content-type') ?? 'application/json',
      })
      .end(text);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Push requests that reached the backend. */
    forwarded,
    /** When each push request arrived. */
    timestamps,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
