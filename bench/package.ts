/**
 * P5: the extension package. Measures the .vsix files `npm run package` writes, each task's
 * bundle, and each task's start-up (process start → first input read, i.e. the moment it
 * reports its missing required input, or for a task without one its first input refused),
 * and compares them with the same tasks installed the
 * common way: the compiled entry next to a `node_modules` folder holding its dependencies.
 *
 * The common-way folders are built offline from the checkout: our own TypeScript is
 * compiled (esbuild, no bundling of npm packages) and every npm package the entry
 * requires is copied with its production dependency closure, in the same layout npm
 * gave the root `node_modules` (which is what `npm install --omit=dev` in a task folder
 * would produce, give or take hoisting).
 */
import AdmZip from 'adm-zip';
import { build, Plugin } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  writeFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { agentEnvironment } from '../test/fixtures/agent';
import { BenchRow, median, megabytes } from './table';

const root = join(__dirname, '..');
const P5_TOTAL = 5 * 1024 * 1024;
const P5_START_MS = 150;
const P5_RATIO = 3;

export interface TaskFigures {
  task: string;
  bundleBytes: number;
  /** Median ms from spawn to the missing-input report, bundled. */
  startMs: number;
  /** The same for the common way (compiled entry + node_modules). */
  commonStartMs: number;
  /** Median CPU time (user + system) of those processes, bundled and the common way. */
  startCpuMs: number;
  commonStartCpuMs: number;
  /** Files and bytes of the common way's task folder. */
  commonFiles: number;
  commonBytes: number;
}

export interface PackageFigures {
  vsix: { file: string; bytes: number }[];
  totalVsixBytes: number;
  /** A zip (what a .vsix is) of the three task folders installed the common way. */
  commonVsixBytes: number;
  tasks: TaskFigures[];
  runs: number;
  /** Median wall and CPU time of a bare `node` script printing the same line (the floor). */
  nodeFloorMs: number;
  nodeFloorCpuMs: number;
  /** Median wall time from starting the `stagedoor` command (`cli/bin`) to its first output. */
  cliStartMs: number;
  cliBundleBytes: number;
}

/** Spawns `node <args>` and resolves with the milliseconds until its first byte on stdout or stderr. */
function timeToFirstOutput(args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let ms: number | undefined;
    const first = () => {
      ms ??= Number(process.hrtime.bigint() - started) / 1e6;
    };
    child.stdout.on('data', first);
    child.stderr.on('data', first);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', () => {
      clearTimeout(timer);
      if (ms === undefined)
        reject(new Error(`node ${args.join(' ')} printed nothing`));
      else resolve(ms);
    });
  });
}

function dirSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = dirSize(path);
      files += sub.files;
      bytes += sub.bytes;
    } else if (entry.isFile()) {
      files += 1;
      bytes += statSync(path).size;
    }
  }
  return { files, bytes };
}

const preload = join(root, 'test/extension/cpu-usage-preload.cjs');

/** One start of a task: wall time to the missing-input report, and the CPU the process used. */
interface Start {
  wallMs: number;
  cpuMs: number;
}

/**
 * The input each task reads first, set to a value it refuses, for tasks whose first input
 * is optional: the refusal is then the moment that input was read, as the missing-input
 * report is for the others. Without it BackstageCatalogValidate (no required input) would
 * run its whole no-op validation before saying anything.
 */
const FIRST_INPUT_REFUSED: Record<string, Record<string, string>> = {
  BackstageCatalogValidateV1: { failOn: 'bench-refused-value' },
};

/**
 * Spawns a task entry with the agent's environment and no inputs (or its first input
 * refused); measures the wall time until it reports the missing or refused input and,
 * through a preloaded hook, the CPU time of the whole process, which a busy shared machine
 * inflates much less than wall time.
 */
function timeToFirstInputRead(
  entry: string,
  workDir: string,
  inputs: Record<string, string> = {},
): Promise<Start> {
  const report = join(workDir, `cpu-${process.pid}.json`);
  const env = {
    ...agentEnvironment({ inputs }, workDir),
    NODE_OPTIONS: `--require ${preload}`,
    STAGEDOOR_CPU_REPORT: report,
  };
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [entry], {
      cwd: workDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let wallMs: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8').on('data', chunk => {
      out += chunk;
      if (wallMs === undefined && /Input required|task\.complete/.test(out)) {
        wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (wallMs === undefined) {
        reject(new Error(`${entry} never reported a missing input:\n${out}`));
        return;
      }
      const { cpuMs } = JSON.parse(readFileSync(report, 'utf8')) as {
        cpuMs: number;
      };
      resolve({ wallMs, cpuMs });
    });
  });
}

/** Marks every npm package (resolved inside node_modules) external, and records which. */
function externalPackages(found: Set<string>): Plugin {
  return {
    name: 'external-npm-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async args => {
        if (args.pluginData === 'inner' || args.path.startsWith('node:'))
          return undefined;
        const resolved = await b.resolve(args.path, {
          resolveDir: args.resolveDir,
          kind: args.kind,
          pluginData: 'inner',
        });
        if (!resolved.path.includes(`${'/'}node_modules${'/'}`))
          return undefined; // our workspaces
        const name = args.path.startsWith('@')
          ? args.path.split('/').slice(0, 2).join('/')
          : args.path.split('/')[0];
        found.add(name);
        return { path: args.path, external: true };
      });
    },
  };
}

/** Finds where `name` resolves from `fromDir`, the way Node looks up node_modules. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Copies `names` and their production dependencies from the checkout into `target`. */
function installClosure(names: Iterable<string>, target: string): void {
  const seen = new Set<string>();
  const queue = [...names].map(name => ({ name, from: root }));
  while (queue.length) {
    const { name, from } = queue.pop()!;
    const dir = resolvePackageDir(name, from);
    if (!dir || seen.has(dir)) continue;
    seen.add(dir);
    cpSync(dir, join(target, relative(root, dir)), {
      recursive: true,
      dereference: true,
      // Nested node_modules are copied only for the packages the closure reaches.
      filter: src =>
        !relative(dir, src).split(/[\\/]/).includes('node_modules'),
    });
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({
      ...pkg.dependencies,
      ...pkg.optionalDependencies,
    })) {
      queue.push({ name: dep, from: dir });
    }
  }
}

/** Builds `<tmp>/<task>/` the common way: task.json, compiled entry, node_modules. */
export async function commonInstall(
  task: string,
  base: string,
): Promise<string> {
  const dir = join(base, task);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  cpSync(join(root, 'tasks', task, 'task.json'), join(dir, 'task.json'));
  const packages = new Set<string>();
  await build({
    entryPoints: [join(root, 'tasks', task, 'src/index.ts')],
    outfile: join(dir, 'dist/index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
    plugins: [externalPackages(packages)],
  });
  installClosure(packages, dir);
  return dir;
}

/** Runs the whole P5 measurement. `runs`: start-up samples per task and way. */
export async function runPackageBench(
  options: { runs?: number } = {},
): Promise<PackageFigures> {
  const runs = Math.max(3, options.runs ?? 7);
  const out = mkdtempSync(join(tmpdir(), 'stagedoor-bench-package-'));
  execFileSync(
    process.execPath,
    [join(root, 'scripts/package.mjs'), '--out', join(out, 'vsix')],
    { cwd: root, stdio: 'pipe' },
  );
  const vsix = readdirSync(join(out, 'vsix')).map(file => ({
    file,
    bytes: statSync(join(out, 'vsix', file)).size,
  }));
  const manifest = JSON.parse(
    readFileSync(join(root, 'vss-extension.json'), 'utf8'),
  );
  const taskNames: string[] = manifest.contributions
    .filter((c: { type: string }) => c.type === 'ms.vss-distributed-task.task')
    .map((c: { properties: { name: string } }) => c.properties.name);

  // The floor on this machine right now: a script that only reports the missing input.
  const floorEntry = join(out, 'floor.js');
  writeFileSync(
    floorEntry,
    "console.log('##vso[task.complete result=Failed;]Input required: x');\n",
  );
  const common = join(out, 'common');
  const zip = new AdmZip();
  const work = join(out, 'work');
  mkdirSync(join(work, '_temp'), { recursive: true });
  const floor: Start[] = [];
  for (let i = 0; i < runs; i++)
    floor.push(await timeToFirstInputRead(floorEntry, work));
  const tasks: TaskFigures[] = [];
  for (const task of taskNames) {
    const dir = await commonInstall(task, common);
    zip.addLocalFolder(dir, task);
    const bundled = join(root, 'tasks', task, 'dist/index.js');
    // Interleave the two ways so drift on a shared machine hits both alike.
    const a: Start[] = [];
    const b: Start[] = [];
    const inputs = FIRST_INPUT_REFUSED[task] ?? {};
    await timeToFirstInputRead(bundled, work, inputs); // warm the disk cache for both
    await timeToFirstInputRead(join(dir, 'dist/index.js'), work, inputs);
    for (let i = 0; i < runs; i++) {
      a.push(await timeToFirstInputRead(bundled, work, inputs));
      b.push(
        await timeToFirstInputRead(join(dir, 'dist/index.js'), work, inputs),
      );
    }
    const size = dirSize(dir);
    tasks.push({
      task,
      bundleBytes: statSync(bundled).size,
      startMs: median(a.map(x => x.wallMs)),
      commonStartMs: median(b.map(x => x.wallMs)),
      startCpuMs: median(a.map(x => x.cpuMs)),
      commonStartCpuMs: median(b.map(x => x.cpuMs)),
      commonFiles: size.files,
      commonBytes: size.bytes,
    });
  }
  // The `stagedoor` command as `npx stagedoor` starts it: its bin script and one bundle.
  const cliBin = join(root, 'cli', 'bin', 'stagedoor.js');
  await timeToFirstOutput([cliBin, '--help'], out); // warm the disk cache
  const cliStarts: number[] = [];
  for (let i = 0; i < runs; i++)
    cliStarts.push(await timeToFirstOutput([cliBin, '--help'], out));
  const commonZip = join(out, 'common.vsix');
  zip.writeZip(commonZip);
  const figures: PackageFigures = {
    vsix,
    totalVsixBytes: vsix.reduce((s, v) => s + v.bytes, 0),
    commonVsixBytes: statSync(commonZip).size,
    nodeFloorMs: median(floor.map(x => x.wallMs)),
    nodeFloorCpuMs: median(floor.map(x => x.cpuMs)),
    tasks,
    runs,
    cliStartMs: median(cliStarts),
    cliBundleBytes: statSync(join(root, 'cli', 'dist', 'cli.js')).size,
  };
  rmSync(out, { recursive: true, force: true });
  return figures;
}

/** The P5 lines of the `npm run bench` table. */
export function packageRows(f: PackageFigures): BenchRow[] {
  const main =
    f.vsix.find(v => !v.file.includes('decorator'))?.bytes ?? f.totalVsixBytes;
  const ratio = f.commonVsixBytes / main;
  const rows: BenchRow[] = [
    {
      id: 'P5',
      figure: `all .vsix files together (${f.vsix.map(v => `${v.file} ${megabytes(v.bytes)}`).join(', ')})`,
      value: megabytes(f.totalVsixBytes),
      target: '≤ 5 MB',
      alternative: '–',
      ratio: '–',
      pass: f.totalVsixBytes <= P5_TOTAL,
    },
    {
      id: 'P5',
      figure: 'main .vsix vs the same tasks with a node_modules folder each',
      value: megabytes(main),
      target: `≥ ${P5_RATIO}× smaller`,
      alternative: megabytes(f.commonVsixBytes),
      ratio: `${ratio.toFixed(1)}×`,
      pass: ratio >= P5_RATIO,
    },
  ];
  for (const t of f.tasks) {
    rows.push({
      id: 'P5',
      figure:
        `${t.task}: start → first input read, median of ${f.runs} ` +
        `(CPU ${t.startCpuMs.toFixed(0)} ms; bare node ${f.nodeFloorMs.toFixed(0)} ms); ` +
        `bundle ${megabytes(t.bundleBytes)}`,
      value: `${t.startMs.toFixed(0)} ms`,
      target: `≤ ${P5_START_MS} ms`,
      alternative:
        `${t.commonStartMs.toFixed(0)} ms (CPU ${t.commonStartCpuMs.toFixed(0)} ms) with node_modules ` +
        `(${t.commonFiles} files, ${megabytes(t.commonBytes)})`,
      ratio: `${(t.commonStartMs / t.startMs).toFixed(1)}×`,
      pass: t.startMs <= P5_START_MS,
    });
  }
  rows.push({
    id: 'P5',
    figure:
      `\`stagedoor --help\` (the npm package's bin): start → first output, median of ${f.runs} ` +
      `(bare node ${f.nodeFloorMs.toFixed(0)} ms); bundle ${megabytes(f.cliBundleBytes)}, no dependencies`,
    value: `${f.cliStartMs.toFixed(0)} ms`,
    target: `≤ ${P5_START_MS} ms`,
    alternative: '–',
    ratio: '–',
    pass: f.cliStartMs <= P5_START_MS,
  });
  return rows;
}

if (require.main === module) {
  const runs = Number(
    process.argv.find(a => /^\d+$/.test(a)) ??
      (process.argv.includes('--full') ? 21 : 7),
  );
  runPackageBench({ runs }).then(f => {
    console.log(JSON.stringify(f, null, 2));
  });
}
