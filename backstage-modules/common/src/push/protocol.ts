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
