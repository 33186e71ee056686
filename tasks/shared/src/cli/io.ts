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
