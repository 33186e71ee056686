/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by package (the folder
 * under `node_modules`, our own workspaces by name, Node's internals, GC, idle) and the
 * functions with the most self time. The profiles behind the README's performance notes.
 *
 *   node --import tsx bench/cpuprofile.ts <file.cpuprofile> [--top 20] [--from S] [--to S]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: {
    functionName: string;
    url: string;
    lineNumber: number;
  };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Node options that write a `.cpuprofile` into `dir` on exit; none when `dir` is unset. */
export function cpuProfileArgs(dir: string | undefined): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export interface ProfileSummary {
  /** Wall time the profile covers, ms. */
  totalMs: number;
  /** Sampled time not idle, ms. */
  busyMs: number;
  byPackage: { name: string; ms: number }[];
  byFunction: { name: string; ms: number }[];
}

/** The package a script belongs to: the npm package under the last node_modules, or our workspace. */
export function packageOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: native, compiler)';
    return `(native: ${functionName || 'anonymous'})`;
  }
  if (url.startsWith('node:')) return '(node internals)';
  const path = decodeURIComponent(url.replace(/^file:\/\//, ''));
  const at = path.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const rest = path.slice(at + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const own = /\/(backstage-modules|tasks)\/([^/]+)\//.exec(path);
  if (own) return `(stagedoor: ${own[1]}/${own[2]})`;
  return '(other)';
}

/**
 * `fromMs`/`toMs` keep only the samples in that window, counted from the profile's start
 * (to leave out a backend's start-up, say).
 */
export function summariseProfile(
  profile: CpuProfile,
  top = 20,
  fromMs = 0,
  toMs = Infinity,
): ProfileSummary {
  const nodes = new Map(profile.nodes.map(n => [n.id, n]));
  const selfMs = new Map<number, number>();
  let at = 0;
  let firstAt: number | undefined;
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    at += delta;
    if (at < fromMs || at > toMs) return;
    firstAt ??= at - delta;
    selfMs.set(id, (selfMs.get(id) ?? 0) + delta);
  });
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyMs = 0;
  for (const [id, ms] of selfMs) {
    const { callFrame } = nodes.get(id)!;
    const pkg = packageOf(callFrame.url, callFrame.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    if (pkg !== '(idle)') busyMs += ms;
    const file = callFrame.url.split('/').slice(-1)[0];
    const fn = `${callFrame.functionName || '(anonymous)'} ${pkg.startsWith('(') ? file : pkg}${
      file ? `:${callFrame.lineNumber + 1}` : ''
    }`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) =>
    [...m]
      .map(([name, ms]) => ({ name, ms }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top);
  return {
    totalMs: Math.min(at, toMs) - (firstAt ?? 0),
    busyMs,
    byPackage: sorted(byPackage),
    byFunction: sorted(byFunction).filter(f => !f.name.startsWith('(idle)')),
  };
}

export function renderSummary(s: ProfileSummary): string {
  const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1)} %`;
  return [
    `profile: ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s`,
    '',
    '| self time by package | ms | of busy |',
    '|---|---|---|',
    ...s.byPackage
      .filter(p => p.name !== '(idle)')
      .map(p => `| ${p.name} | ${p.ms.toFixed(0)} | ${pct(p.ms)} |`),
    '',
    '| self time by function | ms | of busy |',
    '|---|---|---|',
    ...s.byFunction.map(
      f => `| ${f.name} | ${f.ms.toFixed(0)} | ${pct(f.ms)} |`,
    ),
  ].join('\n');
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error(
      'usage: node --import tsx bench/cpuprofile.ts <file.cpuprofile> [--top N] [--from S] [--to S]',
    );
    process.exitCode = 2;
  } else {
    const arg = (name: string) => {
      const at = process.argv.indexOf(name);
      return at > 0 ? Number(process.argv[at + 1]) : undefined;
    };
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    console.log(
      renderSummary(
        summariseProfile(
          profile,
          arg('--top') ?? 20,
          (arg('--from') ?? 0) * 1000,
          (arg('--to') ?? Infinity) * 1000,
        ),
      ),
    );
  }
}
