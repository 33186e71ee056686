import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  checkCatalogFiles,
  type CatalogFile,
  type CatalogFileChecks,
  type ValidateOptions,
} from '@stagedoor/common';

/** Below this many files one thread is faster: a worker first loads its bundle, compiles the schemas and warms up. */
export const PARALLEL_THRESHOLD = 200;
/** More threads than this buy little for catalog files; each worker adds ~50 MB of peak RSS. */
export const MAX_THREADS = 4;

/** What a worker is started with: the options that can cross threads, and the root for `fileExists`. */
export interface WorkerData {
  root: string;
  options: Pick<ValidateOptions, 'strict' | 'policy' | 'maxFileBytes'>;
}
export interface WorkerRequest {
  id: number;
  files: CatalogFile[];
}
export type WorkerReply =
  | { ready: true }
  | { id: number; checks: CatalogFileChecks }
  | { id: number; error: string };

export interface CheckerOptions {
  /** Repository root: workers answer `fileExists` from the disk below it. */
  root: string;
  /** Engine options; `fileExists` is used on the main thread, workers build the same from `root`. */
  options: ValidateOptions;
  /** Threads in all, the main one included. */
  threads: number;
  /** Worker entry; default: validate-worker.js beside this bundle (worker.ts when run from source). */
  workerFile?: string;
  debug?: (message: string) => void;
}

/**
 * Threads for `files` files: one below {@link PARALLEL_THRESHOLD}; else one plus a worker per
 * spare core, up to {@link MAX_THREADS}. A worker costs CPU of its own (loading, compiling the
 * schemas, warming up), so on a machine whose other cores are busy it slows the run down:
 * `spareCores` (see {@link measureSpareCores}) keeps it to the cores that are idle.
 */
export function threadsFor(files: number, spareCores = Infinity): number {
  if (files < PARALLEL_THRESHOLD) return 1;
  const workers = Math.min(
    availableParallelism() - 1,
    MAX_THREADS - 1,
    Math.floor(spareCores + 0.4),
  );
  return 1 + Math.max(0, workers);
}

/** CPU time counters of all cores, in ms. */
function cpuTimes(): { idle: number; total: number }[] {
  return cpus().map(({ times: t }) => ({
    idle: t.idle,
    total: t.user + t.nice + t.sys + t.idle + t.irq,
  }));
}

/**
 * Starts measuring how many cores nobody uses; the function it returns answers for the time
 * since (the calling thread keeps its own core busy meanwhile, so on an otherwise idle
 * two-core machine the answer is about 1). Infinity when too little time passed to tell.
 */
export function measureSpareCores(): () => number {
  const before = cpuTimes();
  return () => {
    const after = cpuTimes();
    let idle = 0;
    let total = 0;
    after.forEach((a, i) => {
      const b = before[i];
      if (!b) return;
      idle += a.idle - b.idle;
      total += a.total - b.total;
    });
    // The counters tick every 10 ms: below ~50 ms per core the figure is noise.
    if (after.length === 0 || total < 50 * after.length) return Infinity;
    return (idle / total) * after.length;
  };
}

/** The worker entry beside this module: the bundle's, or the source's when run under tsx (tests). */
function defaultWorker(): { file: string; execArgv?: string[] } | undefined {
  // In a bundle __dirname is its dist/ folder; from source it is this folder.
  const bundled = join(__dirname, 'validate-worker.js');
  if (existsSync(bundled)) return { file: bundled };
  const source = join(__dirname, 'worker.ts');
  if (!existsSync(source)) return undefined;
  try {
    // tsx's --import hooks do not reach worker threads (and break the entry's loading there);
    // its CommonJS hook does.
    const tsx = createRequire(__filename).resolve('tsx/cjs');
    return { file: source, execArgv: ['--require', tsx] };
  } catch {
    return undefined;
  }
}

const nextTurn = () => new Promise<void>(resolve => setImmediate(resolve));

interface Helper {
  /** Settles once the worker has loaded, or has failed to. */
  loaded: Promise<void>;
  /** Hands the helper work when it is idle. */
  wake(): void;
  /** Resolves once the helper is idle, stopped or failed; a helper still starting is stopped. */
  drain(): Promise<void>;
  stop(): void;
}

/**
 * Checks catalog files with the engine's per-file phase (`checkCatalogFiles`) on the main
 * thread and on worker threads. Workers start when the pool is made, so they load while the
 * caller is still reading files. Results come back in file order: handed to
 * `finishCatalogValidation` they give exactly the verdict of `validateCatalogFiles`.
 */
export class CatalogFileCheckers {
  private readonly helpers: Helper[] = [];
  private runs: CatalogFile[][] = [];
  private results: (CatalogFileChecks | undefined)[] = [];
  private next = 0;
  private answered = 0;

  /** Starts `threads - 1` workers (none when threads is 1 or no worker entry is found). */
  constructor(private readonly opts: CheckerOptions) {
    const entry =
      opts.threads > 1
        ? opts.workerFile
          ? { file: opts.workerFile }
          : defaultWorker()
        : undefined;
    if (!entry) return;
    const workerData: WorkerData = {
      root: opts.root,
      options: {
        strict: opts.options.strict,
        policy: opts.options.policy,
        maxFileBytes: opts.options.maxFileBytes,
      },
    };
    for (let w = 1; w < opts.threads; w++)
      this.helpers.push(this.startWorker(w, entry, workerData));
  }

  /** Workers started (0: everything runs on the calling thread). */
  get workers(): number {
    return this.helpers.length;
  }

  /** Runs of files the workers have checked so far. */
  get runsCheckedByWorkers(): number {
    return this.answered;
  }

  /** Settles once every worker has loaded or failed: lets a test make sure workers take part. */
  async ready(): Promise<void> {
    await Promise.all(this.helpers.map(h => h.loaded));
  }

  private take(): number {
    return this.next < this.runs.length ? this.next++ : -1;
  }

  private startWorker(
    w: number,
    entry: { file: string; execArgv?: string[] },
    workerData: WorkerData,
  ): Helper {
    const worker = new Worker(entry.file, {
      workerData,
      execArgv: entry.execArgv,
    });
    let ready = false;
    let busy = false;
    let stopped = false;
    let idle: (() => void) | undefined;
    let loaded!: () => void;
    const loading = new Promise<void>(resolve => (loaded = resolve));
    const settle = () => {
      busy = false;
      idle?.();
      idle = undefined;
    };
    const stop = (why?: string) => {
      if (stopped) return;
      stopped = true;
      if (why) this.opts.debug?.(`validation worker ${w}: ${why}`);
      loaded();
      // A run it did not answer stays empty and is checked on the calling thread.
      void worker.terminate();
      settle();
    };
    const wake = () => {
      if (stopped || !ready || busy) return;
      const id = this.take();
      if (id < 0) return settle();
      busy = true;
      worker.postMessage({ id, files: this.runs[id] } satisfies WorkerRequest);
    };
    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) {
        ready = true;
        loaded();
        wake();
      } else if ('checks' in reply) {
        this.results[reply.id] = reply.checks;
        this.answered++;
        busy = false;
        wake();
      } else {
        stop(`failed on a run of files: ${reply.error}`);
      }
    });
    worker.on('error', error => stop(`failed: ${error.message}`));
    worker.on('exit', code => stop(`exited with code ${code}`));
    return {
      loaded: loading,
      wake,
      stop: () => stop(),
      drain: () => {
        if (stopped || !busy) {
          // Still loading when the work is done: not worth waiting for.
          if (!ready) stop();
          return Promise.resolve();
        }
        return new Promise<void>(resolve => (idle = resolve));
      },
    };
  }

  /**
   * Checks `files` and returns their checks in file order. Files go out in runs of consecutive
   * files to whichever thread is free, smaller towards the end, so a slow or busy core gets less
   * and nobody waits long for the last run.
   */
  async check(files: readonly CatalogFile[]): Promise<CatalogFileChecks[]> {
    if (this.helpers.length === 0 || files.length < 2)
      return [checkCatalogFiles(files, this.opts.options)];
    const threads = this.helpers.length + 1;
    this.runs = [];
    for (let i = 0; i < files.length; ) {
      const left = files.length - i;
      const size = Math.max(10, Math.min(250, Math.ceil(left / (threads * 4))));
      this.runs.push(files.slice(i, i + size));
      i += size;
    }
    this.results = new Array(this.runs.length);
    this.next = 0;
    for (const h of this.helpers) h.wake();
    for (let i = this.take(); i >= 0; i = this.take()) {
      this.results[i] = checkCatalogFiles(this.runs[i], this.opts.options);
      await nextTurn(); // let the workers' answers in and hand them their next runs
    }
    await Promise.all(this.helpers.map(h => h.drain()));
    return this.results.map(
      (r, i) => r ?? checkCatalogFiles(this.runs[i], this.opts.options),
    );
  }

  /** Stops the workers. */
  close(): void {
    for (const h of this.helpers) h.stop();
  }
}
