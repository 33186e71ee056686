import type {
  EntityConflict,
  InvalidFilesErrorData,
  OwnershipConflictErrorData,
  Problem,
  PushErrorData,
  StalePushErrorData,
} from '@stagedoor/common';
import { HttpError } from '../http';

/**
 * An answer of the push API with a typed body (`error.code`, see `parsePushErrorBody`
 * in `@stagedoor/common`): `data` holds its details. The subclasses below are the answers
 * callers branch on; the others (branch refused, source or kinds not allowed, payload too
 * large, rate limited) are this class, with the transport's `kind`.
 */
export class PushApiError extends HttpError {
  override name = 'PushApiError';
  constructor(
    kind: HttpError['kind'],
    message: string,
    details: HttpError['details'],
    /** The typed body's `error`; undefined when the server answered in prose only. */
    readonly data?: PushErrorData,
  ) {
    super(kind, message, details);
  }
}

/** 409: entities of the push belong to another source (or a location). */
export class ConflictHttpError extends PushApiError {
  override name = 'ConflictHttpError';
  declare readonly data?: OwnershipConflictErrorData;
  constructor(
    message: string,
    details: HttpError['details'],
    readonly conflicts: {
      entityRef?: string;
      owner?: string;
      ownerType?: EntityConflict['ownerType'];
    }[],
    data?: OwnershipConflictErrorData,
  ) {
    super('conflict', message, details, data);
  }
}

/** 409 for a push older than the one already applied. */
export class StalePushError extends PushApiError {
  override name = 'StalePushError';
  declare readonly data?: StalePushErrorData;
  constructor(
    message: string,
    details: HttpError['details'],
    /** The commit of the newer push the catalog holds. */
    readonly newerCommit?: string,
    data?: StalePushErrorData,
  ) {
    super('stale', message, details, data);
  }
}

/** 422: the server found errors in the files, with their places. */
export class UnprocessableHttpError extends PushApiError {
  override name = 'UnprocessableHttpError';
  declare readonly data?: InvalidFilesErrorData;
  constructor(
    message: string,
    details: HttpError['details'],
    readonly problems: Problem[],
    data?: InvalidFilesErrorData,
  ) {
    super('invalid', message, details, data);
  }
}
