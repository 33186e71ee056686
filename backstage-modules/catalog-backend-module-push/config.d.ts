import { HumanDuration, JsonObject } from '@backstage/types';
import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  stagedoor?: {
    /**
     * The organisation's catalog rules, enforced on every push (a violating push answers `422`
     * with the problems) and served read-only at `GET /api/catalog/stagedoor/v1/policy`, so
     * the validate task and `stagedoor validate` enforce the same rules with the same
     * messages. The same keys as `validate:` in a repository's `.stagedoor.yaml`.
     */
    policy?: {
      /** Kinds allowed (case-insensitive); every kind when missing. */
      allowedKinds?: string[];
      /** Allowed `spec.lifecycle` values (rule `policy/lifecycle`). */
      allowedLifecycles?: string[];
      /** Tags every entity must carry (rule `policy/tag`). */
      requiredTags?: string[];
      /** Annotation keys every entity must carry (rule `policy/annotation`). */
      requiredAnnotations?: string[];
      /** Allowed `spec.type` values per kind, e.g. `Component: [service, website]` (rule `policy/type`). */
      allowedTypes?: { [kind: string]: string[] };
      /**
       * Extra JSON Schemas (draft-07, over the whole entity) per kind and `spec.type`
       * (rule `policy/schema`), e.g. services need `metadata.annotations['azure.com/resource-group']`.
       */
      schemas?: Array<{
        /** The kind it applies to; every kind when missing. */
        kind?: string;
        /** The `spec.type` it applies to; every type when missing. */
        type?: string;
        /** Added to every problem it finds, e.g. why the rule exists. */
        description?: string;
        /** The JSON Schema. */
        schema: JsonObject;
      }>;
      /** The organisation's own kinds, checked against their schema (rule `policy/kind-schema`). */
      customKinds?: Array<{
        /** The kind, e.g. `CostCenter`. */
        kind: string;
        /** Its apiVersion; any when missing. */
        apiVersion?: string;
        /** A JSON Schema over the whole entity; any shape when missing. */
        schema?: JsonObject;
      }>;
      /** `spec.owner` must be an existing Group (rule `policy/owner`; looked up in the catalog). */
      ownerMustBeGroup?: boolean;
      /** Level per rule id (`error`, `warning`, `off`); the `policy/*` rules above are errors by default. */
      rules?: { [rule: string]: 'error' | 'warning' | 'off' };
    };
    /**
     * The Stagedoor catalog push API (`/api/catalog/stagedoor/v1/...`).
     * Without any `rules`, every push is denied.
     */
    push?: {
      /**
       * Largest accepted request body, in bytes. Bigger bodies answer `413`.
       * Default: 5242880 (5 MiB).
       */
      maxBodyBytes?: number;
      /**
       * Who may push what. The first rule whose `principals` and `sources` both match
       * the caller and the pushed source decides the allowed kinds and the limits;
       * when no rule matches, the push is denied (`403`).
       */
      rules?: Array<{
        /**
         * Subjects of service principals from `backend.auth.externalAccess`: `<subject>` for
         * a static token, `<subjectPrefix>:<sub>` for a JWKS token (e.g. a Microsoft Entra ID
         * access token). Backstage releases up to backend-defaults 0.18 report them with an
         * `external:` prefix and later ones without; a rule matches with or without it on
         * every release. `*` matches any principal.
         */
        principals: string[];
        /**
         * Patterns over `{organization}/{project}/{repository}` (case-insensitive):
         * `*` matches within one segment, `**` matches anything. Default: `['**']`.
         */
        sources?: string[];
        /**
         * Entity kinds this rule allows, or `'*'` for every kind.
         * Default: every kind except `User` and `Group` (those belong to the org provider).
         */
        kinds?: string[];
        /** Most entities one push of a source may hold. Default: 500. */
        maxEntities?: number;
        /** Most bytes of file content one push may hold. Default: 2097152 (2 MiB). */
        maxBytes?: number;
        /**
         * The branch a repository's catalog comes from (short name, e.g. `main`). A push from
         * any other branch answers `400` naming this branch, unless `previewBranches` is on.
         * Without it, the branch of the repository's first accepted push is the source's
         * branch: a push of the same entities from another branch answers `400` naming it.
         */
        branch?: string;
        /**
         * Accept pushes from other branches as sources of their own (e.g. preview
         * environments whose entities have their own names). Default: false.
         */
        previewBranches?: boolean;
      }>;
      /**
       * How often each replica re-applies pushes whose application was interrupted
       * (a crash between storing and applying). Default: `{ minutes: 5 }`.
       */
      reconcileFrequency?: HumanDuration;
      /**
       * How many pushes one replica applies at once; the rest wait in line.
       * Default: 4.
       */
      maxConcurrentPushes?: number;
      /**
       * A limit on `POST /push` per principal (one pipeline identity, one static
       * token): more requests in a minute answer `429` with `Retry-After`, which the
       * tasks and the CLI honour. Counted in memory on each replica. Default: no limit.
       */
      rateLimit?: {
        /** Pushes one principal may send per minute and replica. Default: 60. */
        requestsPerMinute?: number;
      };
    };
    /**
     * Discovery: every repository of the listed Azure DevOps organizations in the
     * catalog, with its catalog files' entities or a placeholder Component, without
     * Code Search. Off unless this key is present (and `enabled` is not false).
     * Credentials come from `integrations.azure` for the organization's host.
     */
    discovery?: {
      /** Set to false to keep the settings but not run. Default: true when the key is present. */
      enabled?: boolean;
      /** The organizations (collections) to discover; at least one. */
      organizations: Array<{
        /**
         * Organization URL: `https://dev.azure.com/{org}` (Services) or
         * `https://{server}/{collection}` (Server).
         */
        url: string;
        /** Project name patterns (`*` matches within a name, case-insensitive). Default: `['*']`. */
        projects?: string[];
        /**
         * `{project}/{repository}` patterns (`*` within one segment, `**` anything).
         * Default: `['**']`.
         */
        repositories?: string[];
        /** Discover forks too. Default: false. */
        includeForks?: boolean;
      }>;
      /**
       * Catalog file paths from the repository root, read at the default branch.
       * `*` matches within a folder, `**` any folders. Several paths or a glob cost one
       * listing of the repository's files (when its head moved), then a read per file
       * found; one plain path costs one read. Default: `['/catalog-info.yaml']`.
       */
      catalogPath?: string[];
      /**
       * Placeholder Components for repositories without (valid) catalog files.
       * Templates may use `{{organization}}`, `{{project}}` and `{{repository}}`.
       */
      placeholder?: {
        /** Make placeholders at all. Default: true. */
        enabled?: boolean;
        /** `metadata.name` (made a valid name). Default: `'{{repository}}'`. */
        name?: string;
        /** `metadata.namespace`. Default: `'default'`. */
        namespace?: string;
        /** `metadata.title`. Default: `'{{repository}}'`. */
        title?: string;
        /** `spec.type`. Default: `'service'`. */
        type?: string;
        /** `spec.lifecycle`. Default: `'unknown'`. */
        lifecycle?: string;
        /** `spec.owner`. Default: `'unowned'`. */
        owner?: string;
      };
      /**
       * When discovery runs (Backstage scheduler; one replica per run).
       * Default: every 30 minutes, 15 minutes timeout, 15 seconds after start.
       */
      schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
      /** Azure DevOps requests in flight at once, per organization. Default: 16. */
      maxConcurrency?: number;
      /** Retries of a request answered 429, 5xx or not at all. Default: 4. */
      maxRetries?: number;
      /**
       * The longest `Retry-After` (or `X-RateLimit-Delay`) waited for; a longer one
       * fails that repository until the next run. Default: `{ seconds: 60 }`.
       */
      maxRetryWait?: HumanDuration;
      /** Timeout of one Azure DevOps request. Default: `{ seconds: 30 }`. */
      requestTimeout?: HumanDuration;
    };
    /**
     * The Azure DevOps service hook receiver, `POST /api/catalog/stagedoor/v1/hooks/azure-devops`.
     * Off unless this key is present (and `enabled` is not false); needs `stagedoor.discovery`
     * (it re-reads repositories through it). Deliveries authenticate with the credentials
     * set on the web hook subscription: basic auth, a header secret, or either.
     */
    hooks?: {
      /** Set to false to keep the settings but not receive. Default: true when the key is present. */
      enabled?: boolean;
      /** The subscription's basic-authentication user name and password. */
      basicAuth?: {
        /**
         * User name.
         * @visibility secret
         */
        username: string;
        /**
         * Password.
         * @visibility secret
         */
        password: string;
      };
      /** A header the subscription sends (its "HTTP headers" setting), e.g. `X-Stagedoor-Hook-Secret`. */
      header?: {
        /** Header name (case-insensitive). */
        name: string;
        /**
         * The secret value of the header.
         * @visibility secret
         */
        value: string;
      };
      /** Largest event body accepted, in bytes; larger is 400. Default: 1000000. */
      maxBodyBytes?: number;
      /**
       * What a disabled or deleted repository (`git.repo.statuschanged`, `git.repo.deleted`, and
       * discovery runs of this backend) does to the entities discovery made for it. `remove`
       * (default): they are removed from the catalog. `mark`: they stay, with the label
       * `stagedoor.io/repository-state: disabled | deleted` (find them with
       * `filter=metadata.labels.stagedoor.io/repository-state=deleted`); a repository that is
       * enabled again is read as usual and loses the label. Emptied repositories and those that
       * fall out of the discovery filters are always removed; repositories a pipeline pushes are
       * never touched.
       */
      onRepositoryGone?: 'remove' | 'mark';
      /**
       * How long accepted event ids are kept in `stagedoor_hook_deliveries` (a redelivery within it
       * changes nothing). Azure DevOps retries a failed delivery for far less. Default: 7 days.
       */
      deliveryRetention?: HumanDuration | string;
      /** How often the scheduled task `stagedoor-hook-deliveries-prune` deletes older ids. Default: 1 hour. */
      pruneFrequency?: HumanDuration | string;
    };
  };
}
