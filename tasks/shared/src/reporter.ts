import type { Problem } from '@stagedoor/common';

/**
 * Where the core writes what users read. The pipeline tasks implement it with
 * azure-pipelines-task-lib (`##vso` commands), the CLI with plain text on stderr;
 * the core never knows which.
 */
export interface Reporter {
  /** A plain line in the log. */
  info(message: string): void;
  /** A warning that has no place in a file. */
  warn(message: string): void;
  /** An error that has no place in a file. */
  error(message: string): void;
  /** A problem with a file, line and column. */
  problem(problem: Problem): void;
  /** Detail for troubleshooting, shown with `--verbose` or `system.debug`. */
  debug(message: string): void;
  /** Registers a value that must never appear in logs. */
  secret(value: string): void;
}

/** A reporter that keeps everything, for callers that format output themselves. */
export class CollectingReporter implements Reporter {
  readonly lines: {
    level: 'info' | 'warn' | 'error' | 'debug';
    message: string;
  }[] = [];
  readonly problems: Problem[] = [];
  readonly secrets: string[] = [];
  info(message: string) {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string) {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string) {
    this.lines.push({ level: 'error', message });
  }
  problem(problem: Problem) {
    this.problems.push(problem);
  }
  debug(message: string) {
    this.lines.push({ level: 'debug', message });
  }
  secret(value: string) {
    if (value) this.secrets.push(value);
  }
}
