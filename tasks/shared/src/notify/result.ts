import type { EntityState, Problem } from '@stagedoor/common';

/** What a notify run did, for the task's result, the CLI's JSON and the summary. */
export interface NotifyResult {
  /**
   * `succeeded`: everything applied (and processed, when waiting); `warnings`: applied, with
   * problems that do not fail the run; `skipped`: the branch/PR gate said no; `no-files`:
   * nothing to do; `failed`: see `error`.
   */
  status: 'succeeded' | 'warnings' | 'skipped' | 'no-files' | 'failed';
  mode: 'push' | 'refresh';
  dryRun: boolean;
  /** One line that says what happened. */
  message: string;
  sourceKey?: string;
  commit?: string;
  /** False when the server had this commit already (an idempotent repeat). */
  applied?: boolean;
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: string[];
  /** Refresh mode: the entity refs refresh was requested for. */
  refreshed: string[];
  /** Local validation problems and the server's warnings. */
  problems: Problem[];
  /** Processing state per entity, when waited for. */
  processing?: EntityState[];
  /** Every entity of the repository with its page in Backstage. */
  entities: { ref: string; url: string }[];
  /** The failure, with its class (`connection`, `tls`, `conflict`, `stale`, `timeout`, …). */
  error?: { kind: string; message: string };
}

/** The exit code: 0 only when everything was applied (and processed, when waiting). */
export function exitCodeOf(result: NotifyResult): number {
  return result.status === 'failed' ? 1 : 0;
}

/** What a phase of the run adds to its result; the runner merges it over what it had. */
export type PhaseOutcome = Partial<NotifyResult>;

/**
 * A phase failed after part of its work was done (entities pushed, some refreshes
 * requested): `progress` is that part, which the failed result still reports.
 */
export class PhaseError extends Error {
  constructor(
    readonly failure: unknown,
    readonly progress: PhaseOutcome,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
  }
}
