/**
 * Shared steps of the extension tests: build the bundles once, package the .vsix files
 * once (into a temporary folder, so `dist/` of the checkout is left alone), read manifests.
 */
import AdmZip from 'adm-zip';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const repoRoot = resolve(__dirname, '..', '..');

const temporary: string[] = [];
process.on('exit', () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
const run = promisify(execFile);

/** A task folder (`tasks/<name>V<major>`) with a task.json. */
export interface TaskFolder {
  folder: string;
  dir: string;
  /** The major version its folder name promises. */
  major: number;
  json: TaskJson;
}

/** The parts of task.json the tests read. */
export interface TaskJson {
  id: string;
  name: string;
  friendlyName: string;
  version: {
    Major: number | string;
    Minor: number | string;
    Patch: number | string;
  };
  inputs?: {
    name: string;
    type: string;
    required?: boolean;
    visibleRule?: string;
    groupName?: string;
    defaultValue?: string;
    aliases?: string[];
  }[];
  groups?: { name: string }[];
  outputVariables?: { name: string; description?: string }[];
  execution?: Record<string, { target: string }>;
  [key: string]: unknown;
}

/** The three task folders the extension ships, whether or not their task.json exists yet. */
export const TASK_FOLDERS = [
  'BackstageCatalogValidateV1',
  'BackstageCatalogNotifyV1',
  'BackstageTechDocsPublishV1',
];

export function readJson<T = any>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Task folders under tasks/ that have a task.json. */
export function taskFolders(): TaskFolder[] {
  return readdirSync(join(repoRoot, 'tasks'))
    .filter(
      name =>
        /V\d+$/.test(name) &&
        existsSync(join(repoRoot, 'tasks', name, 'task.json')),
    )
    .map(folder => ({
      folder,
      dir: join(repoRoot, 'tasks', folder),
      major: Number(/V(\d+)$/.exec(folder)![1]),
      json: readJson<TaskJson>(join(repoRoot, 'tasks', folder, 'task.json')),
    }));
}

/** Task folders whose entry (`src/index.ts`) exists, i.e. that the build bundles. */
export function buildableTaskFolders(): TaskFolder[] {
  return taskFolders().filter(t => existsSync(join(t.dir, 'src', 'index.ts')));
}

let built: Promise<void> | undefined;

/**
 * Runs `node scripts/build.mjs` once per test process. Serialised with a lock file because
 * the build empties each task's dist/ first and other suites may build at the same time.
 */
export function ensureBuilt(): Promise<void> {
  built ??= run(
    'flock',
    [
      '/tmp/stagedoor-build.lock',
      process.execPath,
      join(repoRoot, 'scripts/build.mjs'),
    ],
    {
      cwd: repoRoot,
      timeout: 180_000,
    },
  ).then(
    () => undefined,
    (error: { stderr?: string; message: string }) => {
      throw new Error(
        `node scripts/build.mjs failed:\n${error.stderr ?? error.message}`,
      );
    },
  );
  return built;
}

export interface Packaged {
  outDir: string;
  /** Absolute paths of the .vsix files, by manifest file name. */
  vsix: Record<string, string>;
}

let packaged: Promise<Packaged> | undefined;

/** Builds, then runs `scripts/package.mjs --no-build` into a temporary folder, once. */
export function ensurePackaged(): Promise<Packaged> {
  packaged ??= (async () => {
    await ensureBuilt();
    const outDir = tempDir('stagedoor-vsix-');
    try {
      await run(
        process.execPath,
        [join(repoRoot, 'scripts/package.mjs'), '--no-build', '--out', outDir],
        {
          cwd: repoRoot,
          timeout: 180_000,
        },
      );
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `scripts/package.mjs failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
      );
    }
    const version = readJson(join(repoRoot, 'vss-extension.json'))
      .version as string;
    return {
      outDir,
      vsix: {
        'vss-extension.json': join(outDir, `stagedoor-${version}.vsix`),
        'vss-extension.decorator.json': join(
          outDir,
          `stagedoor-decorator-${version}.vsix`,
        ),
      },
    };
  })();
  return packaged;
}

/** Unpacks a .vsix into a fresh temporary folder and returns the folder and its entry names. */
export function unpack(vsixPath: string): { dir: string; entries: string[] } {
  const zip = new AdmZip(vsixPath);
  const dir = tempDir('stagedoor-unpacked-');
  mkdirSync(dir, { recursive: true });
  zip.extractAllTo(dir, true);
  return { dir, entries: zip.getEntries().map(e => e.entryName) };
}
