import type { Problem } from '@stagedoor/common';
import type { Reporter } from '../reporter';

/** What a CLI command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A `stagedoor` sub-command. Returns the process exit code. */
export interface CliCommand {
  /** Words that select it, e.g. `['techdocs', 'publish']`. */
  name: string[];
  /** Full help text for `stagedoor <command> --help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Thrown for bad flags; the CLI prints the message and the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Plain text on stderr, registered secrets masked; stdout stays free for
 * `--format json`. `problems: false` leaves problems to the caller, which
 * prints them together in the chosen format.
 */
export function textReporter(
  io: CliIo,
  options: { verbose?: boolean; problems?: boolean } = {},
): Reporter {
  const secrets: string[] = [];
  const mask = (text: string) =>
    secrets.reduce((t, s) => t.split(s).join('***'), text);
  return {
    info: m => io.stderr(`${mask(m)}\n`),
    warn: m => io.stderr(`warning: ${mask(m)}\n`),
    error: m => io.stderr(`error: ${mask(m)}\n`),
    problem: (p: Problem) => {
      if (options.problems === false) return;
      io.stderr(
        `${p.file}:${p.line}:${p.column}: ${p.severity}: ${mask(p.message)} (${p.rule})\n`,
      );
    },
    debug: m =>
      options.verbose ? io.stderr(`debug: ${mask(m)}\n`) : undefined,
    secret: s => {
      if (s) secrets.push(s);
    },
  };
}
