/**
 * The P1 loop shared by bench/push.ts (the table's P1 rows) and bench/trace-catalog.ts (the
 * P1 profile): one change at a time, from the request until the catalog's API shows it, by
 * push (create, then update, of one source per two samples) and by the catalog's own paths
 * (register a url location, then change its file and refresh the entity).
 */
import type { BackendApp } from '../test/fixtures/backendApp';
import { api, doc, jitter, pushBody } from './push';

/** One P1 sample (times in ms since the epoch). */
export interface P1Sample {
  path: 'push create' | 'push update' | 'location' | 'refresh';
  name: string;
  ref: string;
  /** The request was sent (after an untimed {@link jitter}). */
  started: number;
  answered: number;
  /** The first read that showed the change. */
  readable: number;
}

export interface P1Options {
  app: BackendApp;
  /** Entity names start with this (e.g. `p1-<run id>`). */
  prefix: string;
  /** Error messages start with this (`bench`, `trace-catalog`). */
  label: string;
  /** How often, and until when, to read the entity back. */
  pollMs: number;
  timeoutMs: number;
}

/** Reads the Component `name` until its description is `description`; the time it did. */
export async function readableAt(
  options: P1Options,
  name: string,
  description: string,
): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const res = await api(
      options.app,
      'GET',
      `/entities/by-name/component/default/${name}`,
    );
    if (res.status === 200 && res.body.metadata.description === description)
      return Date.now();
    if (Date.now() > deadline)
      throw new Error(
        `${options.label}: ${name} never showed '${description}'`,
      );
    await new Promise(r => setTimeout(r, options.pollMs));
  }
}

/** `count` pushes: even samples create a source and its entity, odd samples update it. */
export async function* pushSamples(
  options: P1Options,
  count: number,
): AsyncGenerator<P1Sample> {
  for (let i = 0; i < count; i++) {
    const name = `${options.prefix}-${Math.floor(i / 2)}`;
    const description = `push ${i}`;
    await jitter();
    const started = Date.now();
    const res = await api(
      options.app,
      'POST',
      '/stagedoor/v1/push',
      pushBody(name, { 'catalog-info.yaml': doc(name, description) }, i + 1),
    );
    const answered = Date.now();
    if (res.status !== 200)
      throw new Error(
        `${options.label}: push answered ${res.status}: ${JSON.stringify(res.body)}`,
      );
    yield {
      path: i % 2 ? 'push update' : 'push create',
      name,
      ref: `component:default/${name}`,
      started,
      answered,
      readable: await readableAt(options, name, description),
    };
  }
}

/**
 * `count` times: a url location registered for a new file (its `location` sample), then the
 * file changed and the entity refreshed (its `refresh` sample). `files` is what `baseUrl` serves.
 */
export async function* locationSamples(
  options: P1Options,
  count: number,
  files: Map<string, string>,
  baseUrl: string,
): AsyncGenerator<P1Sample & { target: string }> {
  for (let i = 0; i < count; i++) {
    const name = `${options.prefix}-loc-${i}`;
    const ref = `component:default/${name}`;
    const path = `/${options.prefix}/${name}.yaml`;
    const target = `${baseUrl}${path}`;
    files.set(path, doc(name, 'v1'));
    await jitter();
    let started = Date.now();
    const reg = await api(options.app, 'POST', '/locations', {
      type: 'url',
      target,
    });
    let answered = Date.now();
    if (reg.status !== 201)
      throw new Error(
        `${options.label}: location answered ${reg.status}: ${JSON.stringify(reg.body)}`,
      );
    yield {
      path: 'location',
      name,
      ref,
      target,
      started,
      answered,
      readable: await readableAt(options, name, 'v1'),
    };
    files.set(path, doc(name, 'v2'));
    await jitter();
    started = Date.now();
    const refreshed = await api(options.app, 'POST', '/refresh', {
      entityRef: ref,
    });
    answered = Date.now();
    if (refreshed.status !== 200)
      throw new Error(`${options.label}: refresh answered ${refreshed.status}`);
    yield {
      path: 'refresh',
      name,
      ref,
      target,
      started,
      answered,
      readable: await readableAt(options, name, 'v2'),
    };
  }
}
