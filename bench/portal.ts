/**
 * P9: the web app. Bundle size (all JavaScript, and the initial JavaScript the index.html
 * loads before anything renders, gzip level 6 as a typical server sends it) and, warm (app
 * built, dependencies installed), the time from starting the baseline backend to the
 * sign-in page rendered in Debian's chromium.
 */
import { spawnSync } from 'node:child_process';
import {
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
import { BenchRow, seconds } from './table';

const root = resolve(__dirname, '..');
const dist = join(root, 'backstage-modules/app/dist');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

export interface PortalResult {
  totalJs: { files: number; raw: number; gzip: number };
  initialJs: { files: number; raw: number; gzip: number };
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

export async function runPortalBench(): Promise<PortalResult> {
  const build = spawnSync(
    process.execPath,
    [join(root, 'scripts/build-app.mjs')],
    { stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error('the web app did not build');
  const staticDir = join(dist, 'static');
  const all = readdirSync(staticDir)
    .filter(f => f.endsWith('.js'))
    .map(f => join(staticDir, f))
    .filter(f => statSync(f).isFile());
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]*src="\/?([^"]+\.js)"/g)].map(
    m => join(dist, m[1]),
  );
  const result: PortalResult = {
    totalJs: sizes(all),
    initialJs: sizes(initial),
  };

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
  return [
    {
      id: 'P9',
      figure: `web app JavaScript: initial (${r.initialJs.files} files) / all (${r.totalJs.files} files), gzip`,
      value: `${kib(r.initialJs.gzip)} / ${kib(r.totalJs.gzip)} (raw ${kib(r.initialJs.raw)} / ${kib(r.totalJs.raw)})`,
      target: "initial ≤ the same release's create-app default app",
      alternative:
        'create-app 0.9.2 default app: not built here (it needs its own install of the whole release); not measured',
      ratio: '–',
      pass: null,
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
