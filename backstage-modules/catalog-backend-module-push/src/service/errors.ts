import {
  ConflictError,
  CustomErrorBase,
  InputError,
  NotAllowedError,
} from '@backstage/errors';
import type {
  BranchRefusedErrorData,
  EntityConflict,
  KindsNotAllowedErrorData,
  PayloadTooLargeErrorData,
  Problem,
  RateLimitedErrorData,
  SourceNotAllowedErrorData,
  StalePushErrorData,
} from '@stagedoor/common';

/*
 * The push API's refusals as typed errors. Each carries its details as fields, which
 * Backstage's error middleware serialises into `error` beside `name` and `message`; the
 * fields and `code` are the protocol's error schemas (`@stagedoor/common`,
 * `pushErrorSchema`), so the client reads them as data. The status code comes from the
 * Backstage error name (InputError 400, NotAllowedError 403, ConflictError 409) or from
 * `statusCode` for the statuses Backstage has no error type for.
 */

/** The fields an error adds to `name`, `message` and `code`. */
type Details<T> = Omit<T, 'name' | 'message' | 'code'>;

/**
 * `422`: the files do not validate. Carries every problem so the pipeline can
 * report each one at its file, line and column.
 */
export class UnprocessableEntitiesError extends CustomErrorBase {
  override name = 'UnprocessableEntitiesError' as const;
  readonly statusCode = 422;
  readonly code = 'invalid-files' as const;
  constructor(readonly problems: Problem[]) {
    super(
      `The pushed files have ${problems.filter(p => p.severity === 'error').length} problem(s); fix them and push again`,
    );
  }
}

function describeConflict(c: EntityConflict): string {
  if (c.ownerType === 'location')
    return `${c.entityRef} (location ${c.owner ?? 'unknown'})`;
  return c.owner ? `${c.entityRef} (source ${c.owner})` : c.entityRef;
}

/** `409`: entities of the push belong to another source or location. */
export class OwnershipConflictError extends ConflictError {
  readonly code = 'ownership-conflict' as const;
  /** `lead` says what happened; the message lists every conflict after it. */
  constructor(
    lead: string,
    readonly conflicts: EntityConflict[],
  ) {
    super(`${lead}: ${conflicts.map(describeConflict).join(', ')}`);
  }
}

/** `409`: the push is older than the last one applied for its source. */
export class StalePushError extends ConflictError {
  readonly code = 'stale-push' as const;
  readonly sourceKey: string;
  readonly incoming: StalePushErrorData['incoming'];
  readonly applied: StalePushErrorData['applied'];
  constructor(details: Details<StalePushErrorData>) {
    const { sourceKey, incoming, applied } = details;
    super(
      `Push of ${incoming.commit} (build ${incoming.buildId ?? 'unknown'}) is older than the last push applied for ${sourceKey}: ` +
        `${applied.commit} (build ${applied.buildId ?? 'unknown'}); it was not applied`,
    );
    this.sourceKey = sourceKey;
    this.incoming = incoming;
    this.applied = applied;
  }
}

/** `400`: a push from another branch than the one its source accepts; names the branch to push from. */
export class BranchRefusedError extends InputError {
  readonly code = 'branch-refused' as const;
  readonly repository: string;
  readonly branch: string;
  readonly expectedBranch: string;
  readonly reason: BranchRefusedErrorData['reason'];
  constructor(details: Details<BranchRefusedErrorData>) {
    const { repository, branch, expectedBranch, reason } = details;
    const why =
      reason === 'configured'
        ? `the push rule for ${repository} accepts branch ${expectedBranch} only (stagedoor.push.rules[].branch)`
        : `the catalog entities of ${repository} come from branch ${expectedBranch}`;
    super(
      `This push is from branch ${branch}, but ${why}; push from ${expectedBranch}, ` +
        'or set stagedoor.push.rules[].previewBranches: true to accept pushes from other branches',
    );
    this.repository = repository;
    this.branch = branch;
    this.expectedBranch = expectedBranch;
    this.reason = reason;
  }
}

/** `403`: no push rule lets the principal push the repository. */
export class SourceNotAllowedError extends NotAllowedError {
  readonly code = 'source-not-allowed' as const;
  readonly subject: string;
  readonly repository: string;
  constructor(details: Details<SourceNotAllowedErrorData>) {
    super(
      `${details.subject} may not push catalog files for ${details.repository}; add a rule to stagedoor.push.rules`,
    );
    this.subject = details.subject;
    this.repository = details.repository;
  }
}

/** `403`: the push holds entities of kinds its rule does not allow. */
export class KindsNotAllowedError extends NotAllowedError {
  readonly code = 'kinds-not-allowed' as const;
  constructor(readonly kinds: KindsNotAllowedErrorData['kinds']) {
    super(
      `This push may not create entities of kind ${kinds.join(', ')}; ` +
        'User and Group belong to the organization provider, other kinds must be allowed in stagedoor.push.rules[].kinds',
    );
  }
}

/** `413`: the push is bigger than a configured limit. */
export class PayloadTooLargeError extends CustomErrorBase {
  override name = 'PayloadTooLargeError' as const;
  readonly statusCode = 413;
  readonly code = 'payload-too-large' as const;
  readonly unit: PayloadTooLargeErrorData['unit'];
  readonly limit: number;
  readonly actual?: number;
  readonly setting: string;
  constructor(details: Details<PayloadTooLargeErrorData>) {
    const { unit, limit, actual, setting } = details;
    super(
      actual === undefined
        ? `The push body is larger than ${limit} ${unit} (${setting})`
        : `The push holds ${actual} ${unit === 'bytes' ? 'bytes of files' : 'entities'}; the limit for this source is ${limit} (${setting})`,
    );
    this.unit = unit;
    this.limit = limit;
    this.actual = actual;
    this.setting = setting;
  }
}

/** `429`: the principal sent more pushes than `stagedoor.push.rateLimit` allows. */
export class TooManyRequestsError extends CustomErrorBase {
  override name = 'TooManyRequestsError' as const;
  readonly statusCode = 429;
  readonly code = 'rate-limited' as const;
  readonly requestsPerMinute: number;
  readonly retryAfterSeconds: number;
  constructor(subject: string, details: Details<RateLimitedErrorData>) {
    const { requestsPerMinute, retryAfterSeconds } = details;
    super(
      `More than ${requestsPerMinute} pushes in a minute from ${subject}; retry after ${retryAfterSeconds} s (stagedoor.push.rateLimit.requestsPerMinute)`,
    );
    this.requestsPerMinute = requestsPerMinute;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
