import { InputError } from '@backstage/errors';

/** Parses a pipeline id input (string or number) or explains what is wrong. */
export function parsePipelineId(
  value: string | number | undefined,
  name = 'pipelineId',
): number {
  const n =
    typeof value === 'number' ? value : Number(String(value ?? '').trim());
  if (!Number.isInteger(n) || n <= 0) {
    throw new InputError(
      `${name} must be a positive integer pipeline id, got '${value ?? ''}'.`,
    );
  }
  return n;
}

/**
 * `pipelineRunStatus` as the community module outputs it: the result's name in
 * azure-devops-node-api's `RunResult` enum (`Succeeded`, `Failed`, `Canceled`),
 * `Unknown` while the run has no result.
 */
export function communityStatus(result: string): string {
  return result ? result.charAt(0).toUpperCase() + result.slice(1) : 'Unknown';
}
