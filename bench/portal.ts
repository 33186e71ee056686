/**
 * P9: the web app. Bundle size (all JavaScript, and the initial JavaScript the index.html
 * loads before anything renders, gzip level 6 as a typical server sends it) and, warm (app
 * built, dependencies installed), the time from starting the baseline backend to the
 * sign-in page rendered in Debian's chromium.
 *
 * The target's reference is the default app of the same release's `@backstage/create-app`
 * (0.9.2), built once into `.stagedoor/bench-cache/create-app` (bench/createApp.ts) and
 * measured the same way. Only `--full` builds it when the cache is missing (an install and
 * a webpack build: about half an hour on a loaded 2-core machine); otherwise a missing
 * cache says "not measured".
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startBackendApp } from '../test/fixtures/backendApp';
import {
  CREATE_APP_VERSION,
  createAppDist,
  ensureCreateAppBuilt,
} from './createApp';
import { BenchRow, seconds } from './table';

const root = resolve(__dirname, '..');
const dist = join(root, 'backstage-modules/app/dist');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

interface Sizes {
  files: number;
  raw: number;
  gzip: number;
}

export interface PortalResult {
  totalJs: Sizes;
  initialJs: Sizes;
  /** The create-app default app, measured the same way; absent when not built. */
  createApp?: { totalJs: Sizes; initialJs: Sizes };
  createAppError?: string;
  firstRenderMs?: number;
  firstRenderError?: string;
}

function sizes(files: string[]) {
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const data = readFileSync(file);
    raw += data.length;
    gzip += gzipSync(data, { level: 6 }).length;
  }
  return { files: files.length, raw, gzip };
}

/** All JavaScript of a built app's `static/`, and what its index.html loads. */
export function measureDist(distDir: string): {
  totalJs: Sizes;
  initialJs: Sizes;
} {
  const staticDir = join(distDir, 'static');
  const all = readdirSync(staticDir)
    .filter(f => f.endsWith('.js'))
    .map(f => join(staticDir, f))
    .filter(f => statSync(f).isFile());
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]*src="\/?([^"]+\.js)"/g)].map(
    m => join(distDir, m[1]),
  );
  return { totalJs: sizes(all), initialJs: sizes(initial) };
}

export async function runPortalBench(
  options: { full?: boolean } = {},
): Promise<PortalResult> {
  const full = options.full ?? process.argv.includes('--full');
  const build = spawnSync(
    process.execPath,
    [join(root, 'scripts/build-app.mjs')],
    { stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error('the web app did not build');
  const result: PortalResult = measureDist(dist);
  try {
    if (full) ensureCreateAppBuilt();
    if (existsSync(join(createAppDist, 'index.html'))) {
      result.createApp = measureDist(createAppDist);
    }
  } catch (error) {
    result.createAppError = String(error).split('\n')[0];
  }

  const executablePath = process.env.STAGEDOOR_CHROMIUM ?? '/usr/bin/chromium';
  const profile = mkdtempSync(join(tmpdir(), 'stagedoor-bench-chromium-'));
  const started = Date.now();
  const backend = await startBackendApp({ timeoutMs: 180_000 });
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      timeout: 60_000,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${backend.baseUrl}/`, { timeout: 60_000 });
      await page
        .getByRole('button', { name: 'Enter' })
        .waitFor({ timeout: 60_000 });
      result.firstRenderMs = Date.now() - started;
    } finally {
      await context.close();
    }
  } catch (error) {
    result.firstRenderError = String(error).split('\n')[0];
  } finally {
    await backend.stop();
    rmSync(profile, { recursive: true, force: true });
  }
  return result;
}

export function portalRows(r: PortalResult): BenchRow[] {
  const c = r.createApp;
  return [
    {
      id: 'P9',
      figure: `web app JavaScript: initial (${r.initialJs.files} files) / all (${r.totalJs.files} files), gzip`,
      value: `${kib(r.initialJs.gzip)} / ${kib(r.totalJs.gzip)} (raw ${kib(r.initialJs.raw)} / ${kib(r.totalJs.raw)})`,
      target: "initial ≤ the same release's create-app default app",
      alternative: c
        ? `create-app ${CREATE_APP_VERSION} default app: ${kib(c.initialJs.gzip)} / ${kib(c.totalJs.gzip)} (${c.initialJs.files} / ${c.totalJs.files} files; raw ${kib(c.initialJs.raw)} / ${kib(c.totalJs.raw)})`
        : r.createAppError
          ? `create-app ${CREATE_APP_VERSION} default app: build failed: ${r.createAppError}`
          : `create-app ${CREATE_APP_VERSION} default app: not measured, run --full (builds it once into .stagedoor/bench-cache/create-app)`,
      ratio: c
        ? `${(r.initialJs.gzip / c.initialJs.gzip).toFixed(2)} × initial, ${(r.totalJs.gzip / c.totalJs.gzip).toFixed(2)} × all`
        : '–',
      pass: c ? r.initialJs.gzip <= c.initialJs.gzip : null,
    },
    {
      id: 'P9',
      figure:
        'warm `npm start` (baseline backend, app built) → sign-in page rendered in chromium',
      value:
        r.firstRenderMs === undefined
          ? `failed: ${r.firstRenderError}`
          : seconds(r.firstRenderMs),
      target: '≤ 20 s',
      alternative: '–',
      ratio: '–',
      pass: r.firstRenderMs === undefined ? false : r.firstRenderMs <= 20_000,
    },
  ];
}
