import { z } from 'zod';

/**
 * The Stagedoor push protocol, version 1: what a pipeline sends to
 * `POST /api/catalog/stagedoor/v1/push` and what it gets back.
 * Shared by the catalog module (server) and the notify task / CLI (client),
 * so both sides parse the same shapes.
 */

/** Where a push comes from: one branch of one Azure DevOps repository. */
export const pushSourceSchema = z.object({
  /** Organization (collection) URL, e.g. `https://dev.azure.com/contoso` (System.CollectionUri). */
  organizationUrl: z.string().url(),
  /** Team project name (System.TeamProject). */
  project: z.string().min(1),
  /** Repository name (Build.Repository.Name). */
  repositoryName: z.string().min(1),
  /** Repository id, a GUID (Build.Repository.ID). */
  repositoryId: z.string().min(1).optional(),
  /** Branch the files were read from, `refs/heads/main` or `main` (Build.SourceBranch). */
  branch: z.string().min(1),
  /** Full commit SHA the files were read at (Build.SourceVersion). */
  commit: z
    .string()
    .regex(/^[0-9a-fA-F]{7,64}$/, 'commit must be a hexadecimal commit SHA'),
  /**
   * Build id (Build.BuildId). Build ids increase within an organization, so they order
   * pushes: a push with a lower build id than the last applied one for the source is stale.
   */
  buildId: z.number().int().nonnegative().optional(),
  /** Link to the pipeline run that pushed. */
  buildUrl: z.string().url().optional(),
  /** Committer date of `commit` (ISO 8601); orders pushes that carry no build id. */
  commitTime: z.string().datetime({ offset: true }).optional(),
});
export type PushSource = z.infer<typeof pushSourceSchema>;

export const pushFileSchema = z.object({
  /** Path relative to the repository root, forward slashes, no `..`. */
  path: z.string().min(1),
  /** The file's text, exactly as in the repository (UTF-8). */
  content: z.string(),
});
export type PushFile = z.infer<typeof pushFileSchema>;

export const pushRequestSchema = z.object({
  source: pushSourceSchema,
  files: z.array(pushFileSchema),
});
export type PushRequest = z.infer<typeof pushRequestSchema>;

const problemSchema = z.object({
  file: z.string(),
  line: z.number(),
  column: z.number(),
  severity: z.enum(['error', 'warning']),
  rule: z.string(),
  message: z.string(),
  entityRef: z.string().optional(),
});

/** `200` answer to a push (and to a dry run). Entity refs are `kind:namespace/name`, lower-cased. */
export const pushResponseSchema = z.object({
  /** Stable key of the source: `{org}/{project}/{repository}@{branch}`. */
  sourceKey: z.string(),
  commit: z.string(),
  dryRun: z.boolean(),
  /** False when the push repeated the commit already applied (an idempotent no-op). */
  applied: z.boolean(),
  added: z.array(z.string()),
  updated: z.array(z.string()),
  removed: z.array(z.string()),
  unchanged: z.array(z.string()),
  /** Warnings found while validating (errors answer 422 instead). */
  problems: z.array(problemSchema),
  /**
   * Dry runs only: true when the push would remove every entity the source has
   * (it contains none of them and nothing new), e.g. after the last catalog file was deleted.
   */
  removesAllEntities: z.boolean().optional(),
});
export type PushResponse = z.infer<typeof pushResponseSchema>;

/**
 * Answer of `DELETE /api/catalog/stagedoor/v1/sources/:sourceKey` (and of its dry run,
 * `?dryRun=true`): the entities removed from the catalog (or that would be).
 */
export const deleteSourceResponseSchema = z.object({
  sourceKey: z.string(),
  dryRun: z.boolean(),
  /** Entity refs, `kind:namespace/name`, lower-cased. */
  removed: z.array(z.string()),
});
export type DeleteSourceResponse = z.infer<typeof deleteSourceResponseSchema>;

/** Processing state of one pushed entity, as the catalog reports it. */
export const entityStateSchema = z.object({
  entityRef: z.string(),
  /** `pending`: not yet visible at the pushed commit; `processed`: visible, no errors; `failed`: the catalog reported errors. */
  state: z.enum(['pending', 'processed', 'failed']),
  errors: z.array(z.object({ name: z.string(), message: z.string() })),
});
export type EntityState = z.infer<typeof entityStateSchema>;

/** Answer of `GET /api/catalog/stagedoor/v1/sources/:sourceKey`. */
export const sourceStatusSchema = z.object({
  sourceKey: z.string(),
  commit: z.string(),
  buildId: z.number().nullable(),
  buildUrl: z.string().nullable(),
  pushedAt: z.string(),
  entities: z.array(entityStateSchema),
  /** Where the source lives (what the push said), for links to Azure DevOps. */
  organizationUrl: z.string().optional(),
  project: z.string().optional(),
  repositoryName: z.string().optional(),
  branch: z.string().optional(),
  /** The principal that pushed (a service principal's subject). */
  pushedBy: z.string().optional(),
});
export type SourceStatus = z.infer<typeof sourceStatusSchema>;

/** Answer of `GET /api/catalog/stagedoor/v1/sources`: sources, newest push first. */
export interface SourceList {
  items: SourceStatus[];
}

/** Path prefix of the push API below the catalog plugin's base URL (`/api/catalog`). */
export const PUSH_API_PATH = '/stagedoor/v1';

/*
 * Error answers of the push API: the contract. Every 4xx the push route
 * (`POST /push`, and `DELETE /sources/:sourceKey` where it shares a refusal) answers with
 * a typed detail has a schema here; the server builds its errors to match and the client
 * reads them with `parsePushErrorBody` instead of parsing the message.
 *
 * The body is Backstage's `ErrorResponseBody` (`@backstage/errors`), as the error
 * middleware (`MiddlewareFactory.error()`) writes it: `{ error, request, response }`, where
 * `error` is a `SerializedError` (`name`, `message`) whose extra fields carry the details.
 * `error.code` says which answer it is; `error.name` stays the Backstage error name the
 * status code comes from (`ConflictError` for both a stale push and an ownership conflict).
 */

const errorBase = { name: z.string(), message: z.string() };

/** `422`: the pushed files do not validate; every problem with its file, line and column. */
export const invalidFilesErrorSchema = z.object({
  ...errorBase,
  name: z.literal('UnprocessableEntitiesError'),
  code: z.literal('invalid-files'),
  problems: z.array(problemSchema),
});
export type InvalidFilesErrorData = z.infer<typeof invalidFilesErrorSchema>;

/** One entity of a push that already belongs to something else in the catalog. */
export const entityConflictSchema = z.object({
  /** `kind:namespace/name`, lower-cased. */
  entityRef: z.string(),
  /**
   * `source`: another push source (`owner` is its source key); `location`: a location the
   * catalog read the entity from (`owner` is the location ref, e.g. `url:https://...`).
   */
  ownerType: z.enum(['source', 'location']),
  /** The owning source key or location ref; absent when the server does not know it. */
  owner: z.string().optional(),
});
export type EntityConflict = z.infer<typeof entityConflictSchema>;

/** `409`: entities of the push are owned by another source or location. */
export const ownershipConflictErrorSchema = z.object({
  ...errorBase,
  name: z.literal('ConflictError'),
  code: z.literal('ownership-conflict'),
  conflicts: z.array(entityConflictSchema),
});
export type OwnershipConflictErrorData = z.infer<
  typeof ownershipConflictErrorSchema
>;

/** A push as the ordering sees it: its commit and build id (null when it had none). */
export const pushOrderingSchema = z.object({
  commit: z.string(),
  buildId: z.number().nullable(),
});

/** `409`: the push is older than the last one applied for the source; nothing changed. */
export const stalePushErrorSchema = z.object({
  ...errorBase,
  name: z.literal('ConflictError'),
  code: z.literal('stale-push'),
  sourceKey: z.string(),
  /** The push that was refused. */
  incoming: pushOrderingSchema,
  /** The newer push the catalog holds. */
  applied: pushOrderingSchema,
});
export type StalePushErrorData = z.infer<typeof stalePushErrorSchema>;

/** `400`: the push comes from a branch the source does not accept. */
export const branchRefusedErrorSchema = z.object({
  ...errorBase,
  name: z.literal('InputError'),
  code: z.literal('branch-refused'),
  /** `org/project/repository`, lower-cased. */
  repository: z.string(),
  /** The branch the push came from (short name). */
  branch: z.string(),
  /** The branch to push from instead. */
  expectedBranch: z.string(),
  /**
   * `configured`: the push rule names the branch (`stagedoor.push.rules[].branch`);
   * `established`: the repository's entities come from that branch already.
   */
  reason: z.enum(['configured', 'established']),
});
export type BranchRefusedErrorData = z.infer<typeof branchRefusedErrorSchema>;

/** `403`: no push rule lets the principal push the repository. */
export const sourceNotAllowedErrorSchema = z.object({
  ...errorBase,
  name: z.literal('NotAllowedError'),
  code: z.literal('source-not-allowed'),
  subject: z.string(),
  /** `org/project/repository`, lower-cased. */
  repository: z.string(),
});
export type SourceNotAllowedErrorData = z.infer<
  typeof sourceNotAllowedErrorSchema
>;

/** `403`: the push holds entities of kinds its rule does not allow. */
export const kindsNotAllowedErrorSchema = z.object({
  ...errorBase,
  name: z.literal('NotAllowedError'),
  code: z.literal('kinds-not-allowed'),
  /** The refused kinds, as written in the files. */
  kinds: z.array(z.string()),
});
export type KindsNotAllowedErrorData = z.infer<
  typeof kindsNotAllowedErrorSchema
>;

/** `413`: the push is bigger than a configured limit. */
export const payloadTooLargeErrorSchema = z.object({
  ...errorBase,
  name: z.literal('PayloadTooLargeError'),
  code: z.literal('payload-too-large'),
  /** What was counted: the request body's or the files' bytes, or the entities. */
  unit: z.enum(['bytes', 'entities']),
  limit: z.number(),
  /** How much the push held; absent when the body was cut off before it was read. */
  actual: z.number().optional(),
  /** The configuration key of the limit, e.g. `stagedoor.push.rules[].maxBytes`. */
  setting: z.string(),
});
export type PayloadTooLargeErrorData = z.infer<
  typeof payloadTooLargeErrorSchema
>;

/** `429`: the principal sent more requests than `stagedoor.push.rateLimit` allows. */
export const rateLimitedErrorSchema = z.object({
  ...errorBase,
  name: z.literal('TooManyRequestsError'),
  code: z.literal('rate-limited'),
  requestsPerMinute: z.number(),
  /** Seconds until the window resets (also the `Retry-After` header). */
  retryAfterSeconds: z.number(),
});
export type RateLimitedErrorData = z.infer<typeof rateLimitedErrorSchema>;

/** The `error` of a push API error answer, by `code`. */
export const pushErrorSchema = z.discriminatedUnion('code', [
  invalidFilesErrorSchema,
  ownershipConflictErrorSchema,
  stalePushErrorSchema,
  branchRefusedErrorSchema,
  sourceNotAllowedErrorSchema,
  kindsNotAllowedErrorSchema,
  payloadTooLargeErrorSchema,
  rateLimitedErrorSchema,
]);
export type PushErrorData = z.infer<typeof pushErrorSchema>;
/** The `code` of each typed error answer. */
export type PushErrorCode = PushErrorData['code'];

/** The HTTP status of each typed error answer. */
export const PUSH_ERROR_STATUS: Readonly<Record<PushErrorCode, number>> = {
  'invalid-files': 422,
  'ownership-conflict': 409,
  'stale-push': 409,
  'branch-refused': 400,
  'source-not-allowed': 403,
  'kinds-not-allowed': 403,
  'payload-too-large': 413,
  'rate-limited': 429,
};

/** A typed error answer: Backstage's `ErrorResponseBody` with a `PushErrorData` as `error`. */
export const pushErrorBodySchema = z
  .object({
    error: pushErrorSchema,
    request: z.object({ method: z.string(), url: z.string() }).optional(),
    response: z.object({ statusCode: z.number() }),
  })
  .refine(b => b.response.statusCode === PUSH_ERROR_STATUS[b.error.code], {
    message: 'response.statusCode does not match error.code',
    path: ['response', 'statusCode'],
  });
export type PushErrorBody = z.infer<typeof pushErrorBodySchema>;

/**
 * Reads a push API error answer as data: the typed body when `body` (parsed JSON) is one
 * of the answers above, otherwise `undefined` (e.g. a 401 from Backstage's auth, a proxy's
 * HTML page, or an answer from an older server that carried its details in prose only).
 */
export function parsePushErrorBody(body: unknown): PushErrorBody | undefined {
  const parsed = pushErrorBodySchema.safeParse(body);
  return parsed.success ? parsed.data : undefined;
}
