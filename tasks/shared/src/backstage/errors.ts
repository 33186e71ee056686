import type { Problem } from '@stagedoor/common';
import { HttpError } from '../http';

/** 409: an entity in the push belongs to another source. */
export class ConflictHttpError extends HttpError {
  override name = 'ConflictHttpError';
  constructor(
    message: string,
    details: HttpError['details'],
    readonly conflicts: { entityRef?: string; owner?: string }[],
  ) {
    super('conflict', message, details);
  }
}

/** 409/412 for a push older than the one already applied. */
export class StalePushError extends HttpError {
  override name = 'StalePushError';
  constructor(
    message: string,
    details: HttpError['details'],
    readonly newerCommit?: string,
  ) {
    super('stale', message, details);
  }
}

/** 422: the server found errors in the files, with their places. */
export class UnprocessableHttpError extends HttpError {
  override name = 'UnprocessableHttpError';
  constructor(
    message: string,
    details: HttpError['details'],
    readonly problems: Problem[],
  ) {
    super('invalid', message, details);
  }
}
