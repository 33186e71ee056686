/**
 * A loopback proxy in front of Azurite that lets the first `allowPuts` uploads
 * through and answers every later one the way Azure answers an identity without
 * a data role (403 AuthorizationPermissionMismatch): a run that stops midway.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { azuriteConnectionString } from '../fixtures/azurite';

export interface FaultProxy {
  connectionString: string;
  /** Uploads that reached Azurite. */
  passedPuts: number;
  /** Uploads refused. */
  refusedPuts: number;
  close(): Promise<void>;
}

export async function startFaultProxy(
  azuritePort: number,
  allowPuts: number,
): Promise<FaultProxy> {
  const state = { passedPuts: 0, refusedPuts: 0 };
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && state.passedPuts >= allowPuts) {
      state.refusedPuts++;
      req.resume();
      const body =
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code>' +
        '<Message>This request is not authorized to perform this operation using this permission.</Message></Error>';
      res.writeHead(403, {
        'content-type': 'application/xml',
        'x-ms-error-code': 'AuthorizationPermissionMismatch',
      });
      res.end(body);
      return;
    }
    if (req.method === 'PUT') state.passedPuts++;
    const upstream = request(
      {
        host: '127.0.0.1',
        port: azuritePort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      up => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    connectionString: azuriteConnectionString(
      `http://127.0.0.1:${port}/devstoreaccount1`,
    ),
    get passedPuts() {
      return state.passedPuts;
    },
    get refusedPuts() {
      return state.refusedPuts;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
