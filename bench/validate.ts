/**
 * `stagedoor validate` over a generated monorepo of N entity files: wall time with process
 * start included, files per second, and the CLI process's peak RSS.
 *
 *   node --import tsx bench/validate.ts --files 5000 [--runs 3]
 *
 * Target (issue 3): 5,000 files in at most 3 s wall, peak RSS at most 300 MB.
 *
 * Each run measures the CLI as shipped (worker threads from 200 files on) and, right after,
 * the same CLI with `--threads 1`; with several runs every figure is the median. The two
 * outputs must be byte-identical, or the bench throws.
 *
 * The comparison the issue asks for, `@roadiehq/backstage-entity-validator`, is not on the
 * npm registry this project can reach (`npm view` answers 404), so no alternative is measured;
 * the result says so instead of inventing a figure.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '..');
const cli = join(repoRoot, 'cli', 'dist', 'cli.js');

export interface ValidateBenchResult {
  files: number;
  entities: number;
  wallMs: number;
  /** User + system CPU time of the CLI process: what a busy machine does not inflate much. */
  cpuMs: number;
  filesPerSecond: number;
  peakRssBytes: number;
  /** Problems the run reported (the generated files carry a few on purpose). */
  problems: number;
  exitCode: number | null;
  runs: number;
  /** The same CLI with `--threads 1`, measured in the same runs (medians). */
  oneThread: { wallMs: number; cpuMs: number; peakRssBytes: number };
  alternative: { name: string; available: false; reason: string };
  target: { wallMs: number; peakRssBytes: number; met: boolean };
}

const KINDS = ['component', 'api', 'resource', 'system', 'group'] as const;

/** One catalog-info.yaml per service folder; every 50th has a warning (an unknown owner). */
function entityFile(i: number): string {
  const kind = KINDS[i % KINDS.length];
  const owner = i % 50 === 0 ? `ghost-team-${i}` : `team-${i % 20}`;
  const head = (k: string) =>
    `apiVersion: backstage.io/v1alpha1\nkind: ${k}\nmetadata:\n  name: ${kind}-${i}\n  description: Generated entity ${i} for the validate benchmark.\n  tags: [bench, generated]\n  annotations:\n    dev.azure.com/project-repo: bench/repo-${i}\n    backstage.io/techdocs-ref: dir:.\n`;
  switch (kind) {
    case 'component':
      return `${head('Component')}spec:\n  type: service\n  lifecycle: production\n  owner: ${owner}\n  system: system-${i - (i % 5) + 3}\n  providesApis: [api-${i + 1}]\n  dependsOn: [resource:resource-${i + 2}]\n`;
    case 'api':
      return `${head('API')}spec:\n  type: openapi\n  lifecycle: production\n  owner: ${owner}\n  definition: |\n    openapi: 3.0.0\n    info:\n      title: API ${i}\n      version: 1.0.0\n    paths: {}\n`;
    case 'resource':
      return `${head('Resource')}spec:\n  type: database\n  owner: ${owner}\n`;
    case 'system':
      return `${head('System')}spec:\n  owner: ${owner}\n`;
    default:
      return `${head('Group')}spec:\n  type: team\n  children: []\n`;
  }
}

/** Writes the generated monorepo: an org file with 20 teams and `files - 1` service folders. */
export function writeBenchRepo(dir: string, files: number) {
  // The owners most entities refer to, so most references resolve within the repository.
  const teams = Array.from(
    { length: 20 },
    (_, t) =>
      `apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-${t}\nspec:\n  type: team\n  children: []\n`,
  );
  mkdirSync(join(dir, 'org'), { recursive: true });
  writeFileSync(join(dir, 'org', 'catalog-info.yaml'), teams.join('---\n'));
  for (let i = 1; i < files; i++) {
    const folder = join(dir, 'services', `s${Math.floor(i / 100)}`, `svc-${i}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'catalog-info.yaml'), entityFile(i));
    if (i % 5 === 1)
      writeFileSync(join(folder, 'mkdocs.yml'), 'site_name: x\n');
  }
}

/** Runs the built CLI once and measures it; peak RSS comes from the process itself at exit. */
async function measure(
  dir: string,
  extraArgs: string[] = [],
): Promise<{
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
  stdout: string;
  exitCode: number | null;
}> {
  const rssFile = join(dir, '..', `rss-${process.pid}.txt`);
  const preload = join(dir, '..', `rss-${process.pid}.cjs`);
  writeFileSync(
    preload,
    `process.on('exit', () => { const u = process.resourceUsage(); require('node:fs').writeFileSync(${JSON.stringify(rssFile)}, JSON.stringify({ rss: u.maxRSS * 1024, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 })); });\n`,
  );
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    ['--require', preload, cli, 'validate', '--format', 'json', ...extraArgs],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', d => (stdout += d));
  const exitCode = await new Promise<number | null>(res =>
    child.on('close', res),
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = JSON.parse(readFileSync(rssFile, 'utf8')) as {
    rss: number;
    cpuMs: number;
  };
  rmSync(rssFile, { force: true });
  rmSync(preload, { force: true });
  return {
    wallMs,
    cpuMs: usage.cpuMs,
    peakRssBytes: usage.rss,
    stdout,
    exitCode,
  };
}

/** Generates `files` entity files in a temporary folder, validates them with the built CLI, reports figures. */
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export async function runValidateBench(
  options: { files?: number; runs?: number } = {},
): Promise<ValidateBenchResult> {
  const files = options.files ?? 5000;
  const runs = Math.max(1, options.runs ?? 1);
  if (!existsSync(cli))
    execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], {
      stdio: 'inherit',
    });
  const parent = mkdtempSync(join(tmpdir(), 'stagedoor-bench-validate-'));
  const dir = join(parent, 'repo');
  mkdirSync(dir);
  try {
    writeBenchRepo(dir, files);
    await measure(dir); // warm the file system cache: the figure is validation, not a cold disk
    const shipped: Awaited<ReturnType<typeof measure>>[] = [];
    const single: Awaited<ReturnType<typeof measure>>[] = [];
    for (let i = 0; i < runs; i++) {
      shipped.push(await measure(dir));
      single.push(await measure(dir, ['--threads', '1']));
      if (shipped[i].stdout !== single[i].stdout)
        throw new Error(
          'stagedoor validate printed different problems with --threads 1',
        );
    }
    const of = (
      list: typeof shipped,
      key: 'wallMs' | 'cpuMs' | 'peakRssBytes',
    ) => median(list.map(r => r[key]));
    const run = {
      wallMs: of(shipped, 'wallMs'),
      cpuMs: of(shipped, 'cpuMs'),
      peakRssBytes: of(shipped, 'peakRssBytes'),
      stdout: shipped[0].stdout,
      exitCode: shipped[0].exitCode,
    };
    const problems = (JSON.parse(run.stdout) as unknown[]).length;
    const targetWall = (3000 * files) / 5000;
    return {
      files,
      entities: files - 1 + 20,
      wallMs: run.wallMs,
      cpuMs: run.cpuMs,
      filesPerSecond: files / (run.wallMs / 1000),
      peakRssBytes: run.peakRssBytes,
      problems,
      exitCode: run.exitCode,
      runs,
      oneThread: {
        wallMs: of(single, 'wallMs'),
        cpuMs: of(single, 'cpuMs'),
        peakRssBytes: of(single, 'peakRssBytes'),
      },
      alternative: {
        name: '@roadiehq/backstage-entity-validator',
        available: false,
        reason: 'not installable: the npm registry answers 404 for it',
      },
      target: {
        wallMs: targetWall,
        peakRssBytes: 300 * 1024 * 1024,
        met: run.wallMs <= targetWall && run.peakRssBytes <= 300 * 1024 * 1024,
      },
    };
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

async function main() {
  const i = process.argv.indexOf('--files');
  const files = i > 0 ? Number(process.argv[i + 1]) : 5000;
  if (!Number.isInteger(files) || files < 1)
    throw new Error('--files must be a positive whole number');
  const j = process.argv.indexOf('--runs');
  const runs = j > 0 ? Number(process.argv[j + 1]) : 1;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error('--runs must be a positive whole number');
  const r = await runValidateBench({ files, runs });
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  console.log(
    `stagedoor validate, ${r.files} files (${r.entities} entities), process start included${r.runs > 1 ? `, median of ${r.runs} runs` : ''}`,
  );
  console.log(
    `  wall time   ${(r.wallMs / 1000).toFixed(2)} s   (target ≤ ${(r.target.wallMs / 1000).toFixed(2)} s)`,
  );
  console.log(
    `  CPU time    ${(r.cpuMs / 1000).toFixed(2)} s   (${((r.cpuMs / r.files) * 1000).toFixed(0)} ms per 1,000 files)`,
  );
  console.log(`  files/s     ${r.filesPerSecond.toFixed(0)}`);
  console.log(
    `  peak RSS    ${mb(r.peakRssBytes)}   (target ≤ ${mb(r.target.peakRssBytes)})`,
  );
  console.log(`  problems    ${r.problems} (exit code ${r.exitCode})`);
  console.log(
    `  --threads 1 ${(r.oneThread.wallMs / 1000).toFixed(2)} s wall, CPU ${(r.oneThread.cpuMs / 1000).toFixed(2)} s, peak RSS ${mb(r.oneThread.peakRssBytes)} (same output)`,
  );
  console.log(`  ${r.alternative.name}: ${r.alternative.reason}`);
  console.log(`  target ${r.target.met ? 'met' : 'NOT met'}`);
}

if (require.main === module) {
  main().catch(error => {
    console.error(error);
    process.exitCode = 1;
  });
}
