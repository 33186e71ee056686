/**
 * P8: service hook deliveries against a real catalog (in-process backend, SQLite) with
 * discovery and the receiver, fed by the fake Azure DevOps (its own deliveries: Microsoft's
 * sample payloads over HTTP with the subscription's basic auth).
 *
 * - Latency: a repository's catalog file changes, the fake delivers `git.push`; the time
 *   from sending the delivery until the change is readable through the catalog API, p50 and
 *   p95 over N events; beside the push path in the same backend and run (the same change
 *   pushed through `POST /stagedoor/v1/push` until readable).
 * - Burst: 200 deliveries in 10 s (bursts every 500 ms: new changes, redeliveries of earlier
 *   event ids, and events for no new change), every answer 2xx within 1 s, nothing lost
 *   (every repository ends at its last change), and each repository's catalog file read at
 *   most once per distinct change (counted in the fake's request log).
 *
 *   node --import tsx bench/hooks.ts [--events 30] [--latency 20]
 */
import type { Entity } from '@backstage/catalog-model';
import {
  componentYaml,
  startFakeAzureDevOps,
} from '../test/fixtures/azure-devops';
import type {
  ProjectState,
  RepositoryState,
} from '../test/fixtures/azure-devops/state';
import {
  type CatalogBackend,
  startCatalogBackend,
} from '../test/fixtures/catalogBackend';
import { type BenchRow, renderTable, seconds } from './table';

export interface HooksBenchOptions {
  /** Events per path (hook and push). Default 30. */
  events?: number;
  /** Fake Azure DevOps latency per request, ms. Default 20. */
  latencyMs?: number;
}

export interface HooksBenchResult {
  events: number;
  latencyMs: number;
  hook: { p50: number; p95: number };
  push: { p50: number; p95: number };
  burst: {
    deliveries: number;
    wallMs: number;
    non2xx: number;
    slowest: number;
    distinctChanges: number;
    redeliveries: number;
    noChange: number;
    /** Repositories not at their last change once the queue drained. */
    lost: number;
    /** Catalog file reads (Items_List) during the burst. */
    fileReads: number;
    /** Repositories read more often than they changed. */
    overRead: number;
    settledMs: number;
  };
}

const TOKEN = 'bench-hooks-token';
const PAT = 'bench-hooks-pat';
const BASIC = { username: 'azure-devops', password: 'bench-hook-password' };
const REPOSITORIES = 20;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
}

async function entity(
  backend: CatalogBackend,
  name: string,
): Promise<Entity | undefined> {
  const res = await fetch(
    `${backend.baseUrl}/api/catalog/entities/by-name/component/default/${name}`,
    { headers: { authorization: `Bearer ${TOKEN}` } },
  );
  return res.status === 200 ? ((await res.json()) as Entity) : undefined;
}

async function until(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 120_000,
  pollMs = 10,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return Date.now();
    if (Date.now() > deadline)
      throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, pollMs));
  }
}

const ownerIs = (backend: CatalogBackend, name: string, owner: string) => () =>
  entity(backend, name).then(e => e?.spec?.owner === owner);

export async function runHooksBench(
  options: HooksBenchOptions = {},
): Promise<HooksBenchResult> {
  const events = options.events ?? 30;
  const latencyMs = options.latencyMs ?? 20;
  const names = Array.from({ length: REPOSITORIES }, (_, i) => `hooked-${i}`);
  const fake = await startFakeAzureDevOps({
    organization: 'bench',
    pats: { [PAT]: { displayName: 'Hooks' } },
    projects: [{ name: 'Shop', repositories: names }],
  });
  const shop: ProjectState = fake.state.project('Shop');
  const repo = (i: number): RepositoryState =>
    fake.state.repository(shop, names[i % REPOSITORIES]);
  const setOwner = (r: RepositoryState, owner: string) =>
    r.files.set(
      '/catalog-info.yaml',
      Buffer.from(componentYaml(r.name, owner)),
    );
  names.forEach((_, i) => setOwner(repo(i), 'team-start'));

  const backend = await startCatalogBackend({
    externalAccess: [
      { type: 'static', options: { token: TOKEN, subject: 'bench' } },
    ],
    push: { rules: [{ principals: ['bench'], sources: ['**'] }] },
    // The catalog's own processing interval and the baseline's stitch poll (see bench/discovery.ts).
    catalog: {
      processingInterval: { minutes: 2 },
      stitchingStrategy: { pollingInterval: { milliseconds: 300 } },
    },
    integrations: {
      azure: [
        {
          host: new URL(fake.baseUrl).host,
          credentials: [{ personalAccessToken: PAT }],
        },
      ],
    },
    discovery: {
      organizations: [{ url: fake.orgUrl }],
      schedule: { frequency: { trigger: 'manual' }, timeout: { minutes: 5 } },
    },
    hooks: { basicAuth: BASIC },
  });
  const url = `${backend.baseUrl}/api/catalog/stagedoor/v1/hooks/azure-devops`;
  const deliver = (r: RepositoryState, id?: string) =>
    fake.deliverEvent({
      url,
      eventType: 'git.push',
      project: shop,
      repository: r,
      basicAuth: BASIC,
      id,
    });
  const push = (name: string, owner: string, n: number) =>
    fetch(`${backend.baseUrl}/api/catalog/stagedoor/v1/push`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        source: {
          organizationUrl: 'https://dev.azure.com/bench',
          project: 'pushed',
          repositoryName: name,
          branch: 'refs/heads/main',
          commit: (1000 + n).toString(16).padStart(40, 'a'),
          buildId: 1000 + n,
        },
        files: [
          { path: 'catalog-info.yaml', content: componentYaml(name, owner) },
        ],
      }),
    }).then(async res => {
      if (res.status !== 200)
        throw new Error(
          `bench: push answered ${res.status}: ${await res.text()}`,
        );
    });

  try {
    fake.latencyMs = latencyMs;
    // Every repository discovered through its git.repo.created delivery first.
    for (let i = 0; i < REPOSITORIES; i++) {
      await fake.deliverEvent({
        url,
        eventType: 'git.repo.created',
        project: shop,
        repository: repo(i),
        basicAuth: BASIC,
      });
    }
    for (const name of names)
      await until(ownerIs(backend, name, 'team-start'), `${name} discovered`);
    const pushed = names.map(n => `pushed-${n}`);
    for (const [i, name] of pushed.entries()) {
      await push(name, 'team-start', i);
      await until(ownerIs(backend, name, 'team-start'), `${name} pushed`);
    }

    // Latency, the two paths alternating so load hits both alike.
    const hookMs: number[] = [];
    const pushMs: number[] = [];
    for (let i = 0; i < events; i++) {
      const r = repo(i);
      setOwner(r, `team-hook-${i}`);
      let started = Date.now();
      const res = await deliver(r);
      if (res.status !== 202)
        throw new Error(`bench: delivery answered ${res.status}`);
      hookMs.push(
        (await until(ownerIs(backend, r.name, `team-hook-${i}`), 'a hook')) -
          started,
      );
      const name = pushed[i % REPOSITORIES];
      started = Date.now();
      await push(name, `team-push-${i}`, REPOSITORIES + i);
      pushMs.push(
        (await until(ownerIs(backend, name, `team-push-${i}`), 'a push')) -
          started,
      );
    }

    // The burst: 20 bursts of 10 every 500 ms; 6 new changes, 2 redeliveries, 2 no-change events each.
    const from = fake.requests.length;
    const changes = new Map<string, number>();
    const last = new Map<string, string>();
    const earlier: { r: RepositoryState; id: string }[] = [];
    const answers: { status: number; ms: number }[] = [];
    let distinctChanges = 0;
    let redeliveries = 0;
    let noChange = 0;
    const send = async (r: RepositoryState, id?: string) => {
      const t = Date.now();
      const res = await deliver(r, id);
      answers.push({ status: res.status, ms: Date.now() - t });
      return res;
    };
    const burstStarted = Date.now();
    const inFlight: Promise<unknown>[] = [];
    for (let b = 0; b < 20; b++) {
      const at = burstStarted + b * 500;
      await new Promise(r => setTimeout(r, Math.max(0, at - Date.now())));
      for (let k = 0; k < 6; k++) {
        const r = repo(b * 6 + k);
        const owner = `team-burst-${b}-${k}`;
        setOwner(r, owner);
        last.set(r.name, owner);
        changes.set(r.id, (changes.get(r.id) ?? 0) + 1);
        distinctChanges++;
        inFlight.push(
          send(r).then(res => earlier.push({ r, id: res.event.id })),
        );
      }
      for (let k = 0; k < 2; k++) {
        const prev = earlier[(b * 7 + k) % Math.max(1, earlier.length)];
        if (prev) {
          redeliveries++;
          inFlight.push(send(prev.r, prev.id));
        } else {
          noChange++;
          inFlight.push(send(repo(b + 10 + k)));
        }
      }
      for (let k = 0; k < 2; k++) {
        noChange++;
        inFlight.push(send(repo(b * 3 + k + 1)));
      }
    }
    await Promise.all(inFlight);
    const wallMs = Date.now() - burstStarted;
    const settledAt = await until(
      async () => {
        for (const [name, owner] of last)
          if ((await entity(backend, name))?.spec?.owner !== owner)
            return false;
        return true;
      },
      'every burst change to be readable',
      180_000,
      100,
    );
    let lost = 0;
    for (const [name, owner] of last)
      if ((await entity(backend, name))?.spec?.owner !== owner) lost++;
    const reads = fake.requests
      .slice(from)
      .filter(r => r.operationId === 'Items_List');
    let overRead = 0;
    for (let i = 0; i < REPOSITORIES; i++) {
      const r = repo(i);
      const n = reads.filter(x => x.path.includes(r.id)).length;
      if (n > (changes.get(r.id) ?? 0)) overRead++;
    }
    return {
      events,
      latencyMs,
      hook: { p50: percentile(hookMs, 50), p95: percentile(hookMs, 95) },
      push: { p50: percentile(pushMs, 50), p95: percentile(pushMs, 95) },
      burst: {
        deliveries: answers.length,
        wallMs,
        non2xx: answers.filter(a => a.status < 200 || a.status >= 300).length,
        slowest: Math.max(...answers.map(a => a.ms)),
        distinctChanges,
        redeliveries,
        noChange,
        lost,
        fileReads: reads.length,
        overRead,
        settledMs: settledAt - burstStarted,
      },
    };
  } finally {
    await backend.stop();
    await fake.close();
  }
}

export function hooksRows(r: HooksBenchResult): BenchRow[] {
  const ratio = r.hook.p50 / r.push.p50;
  const b = r.burst;
  return [
    {
      id: 'P8',
      figure: `service hook delivery (git.push) → change readable, ${r.events} events, fake Azure DevOps ${r.latencyMs} ms per request: p50 / p95`,
      value: `${seconds(r.hook.p50)} / ${seconds(r.hook.p95)}`,
      target: 'p50 ≤ 1.2 × push',
      alternative: `push → readable, same run: ${seconds(r.push.p50)} / ${seconds(r.push.p95)}`,
      ratio: `${ratio.toFixed(2)} ×`,
      pass: ratio <= 1.2,
    },
    {
      id: 'P8',
      figure: `${b.deliveries} deliveries in ${seconds(b.wallMs)} (20 bursts: ${b.distinctChanges} changes, ${b.redeliveries} redeliveries, ${b.noChange} events without a change): answers, lost, file reads`,
      value: `${b.deliveries - b.non2xx} 2xx, slowest ${seconds(b.slowest)}; ${b.lost} lost; ${b.fileReads} file reads, ${b.overRead} repositories read more often than they changed; all readable ${seconds(b.settledMs)} after the first`,
      target: 'all 2xx ≤ 1 s, none lost, ≤ 1 read per change',
      alternative: '–',
      ratio: '–',
      pass:
        b.deliveries >= 200 &&
        b.non2xx === 0 &&
        b.slowest <= 1000 &&
        b.lost === 0 &&
        b.overRead === 0,
    },
  ];
}

if (require.main === module) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : undefined;
  };
  runHooksBench({ events: arg('--events'), latencyMs: arg('--latency') })
    .then(r => {
      console.log(JSON.stringify(r, null, 2));
      console.log(renderTable(hooksRows(r)));
    })
    .catch(e => {
      console.error(e);
      process.exitCode = 1;
    })
    // The stopped test backend can leave a catalog timer behind; do not wait for it.
    .finally(() => process.exit());
}
