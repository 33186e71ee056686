/**
 * Entry of a validation worker thread (bundled on its own as dist/validate-worker.js): checks
 * the runs of files the main thread sends, one message per run, and answers with the plain
 * data of `checkCatalogFiles`. Started by ./parallel.ts; does nothing when loaded elsewhere.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { checkCatalogFiles } from '@stagedoor/common';
import { cachedExists, repoFileReader } from './fileExists';
import type { WorkerData, WorkerReply, WorkerRequest } from './parallel';

if (!isMainThread && parentPort) {
  const port = parentPort;
  const data = workerData as WorkerData;
  const options = {
    ...data.options,
    fileExists: cachedExists(p => existsSync(join(data.root, p))),
    readFile: repoFileReader(data.root),
  };
  port.on('message', (request: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      reply = {
        id: request.id,
        checks: checkCatalogFiles(request.files, options),
      };
    } catch (error) {
      reply = {
        id: request.id,
        error:
          error instanceof Error
            ? (error.stack ?? error.message)
            : String(error),
      };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true } satisfies WorkerReply);
}
