/**
 * A loopback proxy in front of Azurite that injects the storage service's own
 * failures into uploads:
 * - `busyPuts`: the first uploads get 503 ServerBusy (transient: the SDK retries);
 * - `allowPuts`: after that many uploads reached Azurite, every later one gets the
 *   403 AuthorizationPermissionMismatch an identity without a data role gets (a
 *   run that stops midway);
 * - `busyLists`: the first List Blobs calls get 503 ServerBusy;
 * - `cutLists`: the next List Blobs answers stop after half their body (a
 *   connection lost mid-answer).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { azuriteConnectionString } from '../fixtures/azurite';

export interface FaultProxy {
  connectionString: string;
  /** Uploads that reached Azurite. */
  passedPuts: number;
  /** Uploads refused with 403. */
  refusedPuts: number;
  /** Uploads answered 503. */
  busyPuts: number;
  /** List Blobs calls answered 503. */
  busyLists: number;
  /** List Blobs answers cut off mid-body. */
  cutLists: number;
  close(): Promise<void>;
}

export async function startFaultProxy(
  azuritePort: number,
  faults: {
    allowPuts?: number;
    busyPuts?: number;
    busyLists?: number;
    cutLists?: number;
  },
): Promise<FaultProxy> {
  const allowPuts = faults.allowPuts ?? Infinity;
  const state = {
    passedPuts: 0,
    refusedPuts: 0,
    busyPuts: 0,
    busyLists: 0,
    cutLists: 0,
  };
  const server = createServer((req, res) => {
    const isList = req.method === 'GET' && /[?&]comp=list/.test(req.url ?? '');
    const busy =
      (req.method === 'PUT' && state.busyPuts < (faults.busyPuts ?? 0)) ||
      (isList && state.busyLists < (faults.busyLists ?? 0));
    if (busy) {
      if (isList) state.busyLists++;
      else state.busyPuts++;
      req.resume();
      res.writeHead(503, {
        'content-type': 'application/xml',
        'x-ms-error-code': 'ServerBusy',
      });
      res.end(
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is busy.</Message></Error>',
      );
      return;
    }
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
        if (isList && state.cutLists < (faults.cutLists ?? 0)) {
          state.cutLists++;
          const chunks: Buffer[] = [];
          up.on('data', (chunk: Buffer) => chunks.push(chunk));
          up.on('end', () => {
            const body = Buffer.concat(chunks);
            res.write(body.subarray(0, body.length >> 1), () => res.destroy());
          });
          return;
        }
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
    get busyPuts() {
      return state.busyPuts;
    },
    get busyLists() {
      return state.busyLists;
    },
    get cutLists() {
      return state.cutLists;
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
