/**
 * Running MkDocs as a child process with a timeout, and (on request) installing
 * a pinned `mkdocs-techdocs-core` into a virtual environment for the run.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Reporter } from '../reporter';
import { TECHDOCS_DEFAULTS } from './defaults';

/** The techdocs-core release installed by `installMkdocs` unless told otherwise. */
export const DEFAULT_TECHDOCS_CORE_VERSION =
  TECHDOCS_DEFAULTS.techdocsCoreVersion;

/** A generate failure with a message that says what to fix. */
export class GenerateError extends Error {
  override name = 'GenerateError';
}

/** How to get MkDocs on an agent, quoted in errors and the README. */
export const MKDOCS_INSTALL_HINT =
  'Install it on the agent (pip install mkdocs-techdocs-core, or apt-get install mkdocs mkdocs-material with omitTechdocsCorePlugin: true), set installMkdocs: true to install a pinned mkdocs-techdocs-core into a virtual environment for this run, or set generate: false to publish a site built elsewhere.';

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs `command args` in `cwd`, streaming output lines to `onLine`; kills it after `timeoutMs`. */
export function runProcess(
  command: string,
  args: string[],
  options: {
    cwd: string;
    timeoutMs: number;
    onLine?: (line: string) => void;
    env?: NodeJS.ProcessEnv;
  },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let pending = '';
    const onData = (chunk: string) => {
      output += chunk;
      // Keep memory bounded on chatty builds: only the tail matters for errors.
      if (output.length > 200_000) output = output.slice(-100_000);
      pending += chunk;
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new GenerateError(
          `${command} ${args[0] ?? ''} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped.`,
        ),
      );
    }, options.timeoutMs);
    child.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', code => {
      clearTimeout(timer);
      if (pending) options.onLine?.(pending);
      resolve({ code, output });
    });
  });
}

/** Runs `mkdocs build -f <config> -d <outputDir>`; throws a {@link GenerateError} that says what to fix. */
export async function runMkdocsBuild(options: {
  mkdocs: string;
  configFile: string;
  cwd: string;
  outputDir: string;
  timeoutMs: number;
  /** SOURCE_DATE_EPOCH for MkDocs: fixes the build date it writes into pages and the sitemap. */
  sourceDateEpoch: string;
  reporter: Reporter;
}): Promise<void> {
  const { reporter } = options;
  let result: RunResult;
  try {
    result = await runProcess(
      options.mkdocs,
      ['build', '-f', options.configFile, '-d', options.outputDir],
      {
        cwd: options.cwd,
        timeoutMs: options.timeoutMs,
        env: { ...process.env, SOURCE_DATE_EPOCH: options.sourceDateEpoch },
        onLine: line => reporter.debug(`mkdocs: ${line}`),
      },
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new GenerateError(
        `MkDocs was not found (${options.mkdocs}). ${MKDOCS_INSTALL_HINT}`,
      );
    }
    throw error;
  }
  if (result.code === 0) return;
  const tail = result.output.trim().split(/\r?\n/).slice(-15).join('\n');
  const missingPlugin = /The "([^"]+)" plugin is not installed/.exec(
    result.output,
  );
  if (missingPlugin) {
    throw new GenerateError(
      `mkdocs build failed: the MkDocs plugin '${missingPlugin[1]}' is not installed on the agent. ${
        missingPlugin[1] === 'techdocs-core'
          ? 'Install it (pip install mkdocs-techdocs-core), set installMkdocs: true, or set omitTechdocsCorePlugin: true.'
          : `Install it with pip next to mkdocs.`
      }\n${tail}`,
    );
  }
  throw new GenerateError(
    `mkdocs build failed (exit code ${result.code}); fix mkdocs.yml or the docs it points at:\n${tail}`,
  );
}

/**
 * Creates a virtual environment under `workDir` and installs
 * `mkdocs-techdocs-core==<version>` into it; returns the path of its `mkdocs`.
 * Needs python3 with venv and access to PyPI (or a pip mirror from PIP_INDEX_URL).
 */
export async function installMkdocs(options: {
  workDir: string;
  version?: string;
  timeoutMs?: number;
  reporter: Reporter;
}): Promise<string> {
  const { reporter } = options;
  const version = options.version ?? DEFAULT_TECHDOCS_CORE_VERSION;
  const venv = join(options.workDir, 'stagedoor-mkdocs-venv');
  const bin = join(venv, process.platform === 'win32' ? 'Scripts' : 'bin');
  const timeoutMs = options.timeoutMs ?? 600_000;
  const python = process.platform === 'win32' ? 'python' : 'python3';
  reporter.info(
    `Installing mkdocs-techdocs-core ${version} into a virtual environment`,
  );
  const steps: [string, string[]][] = [
    [python, ['-m', 'venv', venv]],
    [
      join(bin, 'pip'),
      [
        'install',
        '--disable-pip-version-check',
        '--quiet',
        `mkdocs-techdocs-core==${version}`,
      ],
    ],
  ];
  for (const [command, args] of steps) {
    let result: RunResult;
    try {
      result = await runProcess(command, args, {
        cwd: options.workDir,
        timeoutMs,
        onLine: line => reporter.debug(line),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new GenerateError(
          `${command} was not found: installMkdocs needs Python 3 with venv on the agent (UsePythonVersion@0).`,
        );
      }
      throw error;
    }
    if (result.code !== 0) {
      const tail = result.output.trim().split(/\r?\n/).slice(-10).join('\n');
      throw new GenerateError(
        `Installing mkdocs-techdocs-core ${version} failed (${command} exit code ${result.code}):\n${tail}`,
      );
    }
  }
  return join(bin, 'mkdocs');
}
