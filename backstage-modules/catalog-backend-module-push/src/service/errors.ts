import { CustomErrorBase } from '@backstage/errors';
import type { Problem } from '@stagedoor/common';

/**
 * `422`: the files do not validate. Carries every problem so the pipeline can
 * report each one at its file, line and column.
 */
export class UnprocessableEntitiesError extends CustomErrorBase {
  override name = 'UnprocessableEntitiesError' as const;
  readonly statusCode = 422;
  constructor(
    message: string,
    readonly problems: Problem[],
  ) {
    super(message);
  }
}

/** `413`: the push is bigger than a configured limit. */
export class PayloadTooLargeError extends CustomErrorBase {
  override name = 'PayloadTooLargeError' as const;
  readonly statusCode = 413;
}

/** Extra fields an error adds to Backstage's error body (beside name and message). */
export function errorBodyExtras(
  error: unknown,
): Record<string, unknown> | undefined {
  if (error instanceof UnprocessableEntitiesError)
    return { problems: error.problems };
  return undefined;
}

const statusByName: Record<string, number> = {
  InputError: 400,
  AuthenticationError: 401,
  NotAllowedError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  NotImplementedError: 501,
  ServiceUnavailableError: 503,
};

/** The HTTP status of an error, the way Backstage's error middleware decides it. */
export function statusCodeOf(error: unknown): number {
  const e = error as
    | { statusCode?: unknown; status?: unknown; name?: string }
    | undefined;
  for (const code of [e?.statusCode, e?.status]) {
    if (
      typeof code === 'number' &&
      Number.isInteger(code) &&
      code >= 400 &&
      code <= 599
    ) {
      return code;
    }
  }
  return statusByName[e?.name ?? ''] ?? 500;
}
