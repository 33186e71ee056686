import express from 'express';
import Router from 'express-promise-router';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import type {
  AuditorService,
  HttpAuthService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  type PolicyResponse,
  PUSH_API_PATH,
  pushRequestSchema,
  type SourceList,
  sourceKeyOf,
} from '@stagedoor/common';
import type { PushConfig } from '../config';
import { PayloadTooLargeError } from '../service/errors';
import type { PushMetrics } from '../service/metrics';
import type { PushService } from '../service/PushService';
import type { SourceStatusService } from '../service/SourceStatusService';
import { perPrincipalRateLimit } from './rateLimit';

/** What the push API needs; all built in the module's init. */
export interface RouterOptions {
  config: PushConfig;
  /** The root config, for Backstage's error middleware. */
  rootConfig: RootConfigService;
  logger: LoggerService;
  httpAuth: HttpAuthService;
  pushService: PushService;
  statusService: SourceStatusService;
  /** Records every authenticated push (principal, source, outcome, counts); the catalog's `coreServices.auditor`. */
  auditor?: AuditorService;
  /** Counts the pushes refused before they reach the push service (the service counts the rest). */
  metrics?: PushMetrics;
}

/**
 * The push API, mounted on the catalog plugin's router under `/stagedoor/v1`
 * (`/api/catalog/stagedoor/v1/...`); the catalog's own routes have no `/stagedoor` prefix.
 */
export function createRouter(options: RouterOptions): express.Router {
  const { config, httpAuth, pushService, statusService } = options;
  const api = Router();
  const json = express.json({ limit: config.maxBodyBytes, type: () => true });
  // Authenticated before the body is read, so the rate limit and the audit know the principal.
  const authenticate: express.RequestHandler = async (req, res, next) => {
    try {
      const credentials = await httpAuth.credentials(req, {
        allow: ['service'],
      });
      res.locals.subject = credentials.principal.subject;
      next();
    } catch (error) {
      next(error);
    }
  };
  const limits = config.rateLimit
    ? [perPrincipalRateLimit(config.rateLimit.requestsPerMinute)]
    : [];

  api.post(
    '/push',
    authenticate,
    ...limits,
    parseBody(json, config.maxBodyBytes),
    async (req, res) => {
      const subject: string = res.locals.subject;
      const parsed = pushRequestSchema.safeParse(req.body);
      if (!parsed.success) {
        const issues = parsed.error.issues.map(
          i => `${i.path.join('.') || 'body'}: ${i.message}`,
        );
        throw new InputError(`Malformed push body: ${issues.join('; ')}`);
      }
      const dryRun = flag(req.query.dryRun);
      const { source, files } = parsed.data;
      const meta = {
        sourceKey: sourceKeyOf(source),
        commit: source.commit,
        buildId: source.buildId ?? null,
        dryRun,
        files: files.length,
      };
      res.locals.audited = true;
      const event = await options.auditor?.createEvent({
        eventId: 'push',
        severityLevel: dryRun ? 'low' : 'medium',
        request: req,
        meta,
      });
      let response;
      try {
        response = await pushService.push(parsed.data, subject, dryRun);
      } catch (error) {
        await event?.fail({ error: auditedError(error) });
        throw error;
      }
      await event?.success({
        meta: {
          applied: response.applied,
          added: response.added.length,
          updated: response.updated.length,
          removed: response.removed.length,
          unchanged: response.unchanged.length,
        },
      });
      res.json(response);
    },
  );

  // The organisation's validation policy (`stagedoor.policy`), read-only: the validate task
  // and `stagedoor validate` fetch it so they enforce the same rules as this push route.
  api.get('/policy', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['service', 'user'] });
    const body: PolicyResponse = { policy: config.policy ?? null };
    res.json(body);
  });

  // Read-only views. Signed-in users (the Delivery card and page) read every source: the
  // same provenance and processing errors the catalog API already shows them. Services read
  // only the sources a push rule lets them push.
  api.get('/sources', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['user'] });
    const project =
      typeof req.query.project === 'string' ? req.query.project : undefined;
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new InputError('limit must be a whole number from 1 to 500');
    }
    const body: SourceList = {
      items: await statusService.list({
        project,
        limit,
        failedOnly: flag(req.query.failed),
      }),
    };
    res.json(body);
  });

  api.get('/sources/:sourceKey', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['service', 'user'],
    });
    const sourceKey = req.params.sourceKey.toLowerCase();
    if (credentials.principal.type === 'service') {
      pushService.authorize(credentials.principal.subject, sourceKey);
    }
    res.json(await statusService.status(sourceKey));
  });

  // Offboarding: removes every entity of a source, for the principals that may push it.
  api.delete(
    '/sources/:sourceKey',
    authenticate,
    ...limits,
    async (req, res) => {
      const subject: string = res.locals.subject;
      const sourceKey = req.params.sourceKey.toLowerCase();
      const dryRun = flag(req.query.dryRun);
      const event = await options.auditor?.createEvent({
        eventId: 'push-source-delete',
        severityLevel: dryRun ? 'low' : 'high',
        request: req,
        meta: { sourceKey, dryRun },
      });
      let response;
      try {
        response = await pushService.deleteSource(sourceKey, subject, dryRun);
      } catch (error) {
        await event?.fail({ error: auditedError(error) });
        throw error;
      }
      await event?.success({ meta: { removed: response.removed.length } });
      res.json(response);
    },
  );

  // Pushes refused before the push service saw them (authentication, rate limit, size,
  // malformed body) are counted and audited here; Backstage's error middleware answers.
  api.use(
    (
      error: unknown,
      req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (
        !res.headersSent &&
        req.method === 'POST' &&
        req.path === '/push' &&
        !res.locals.audited
      ) {
        options.metrics?.pushRejected(error);
        if (res.locals.subject) {
          options.auditor
            ?.createEvent({
              eventId: 'push',
              severityLevel: 'medium',
              request: req,
            })
            .then(event => event.fail({ error: auditedError(error) }))
            .catch(e => options.logger.warn(`Push audit event failed: ${e}`));
        }
      }
      next(error);
    },
  );

  const router = Router();
  router.use(PUSH_API_PATH, api);
  // Backstage's error body (`ErrorResponseBody`): the typed errors' fields are the
  // protocol's error details (`@stagedoor/common`, `pushErrorSchema`).
  router.use(
    MiddlewareFactory.create({
      config: options.rootConfig,
      logger: options.logger,
    }).error(),
  );
  return router;
}

/** A boolean query parameter: `true` or `1`. */
function flag(value: unknown): boolean {
  return value === 'true' || value === '1';
}

/**
 * The error as audited: name and message only. Never the stack, the request
 * body or the validation problems (they can quote file contents).
 */
function auditedError(error: unknown): Error {
  const e = error as { name?: string; message?: string };
  const audited = new Error(String(e?.message ?? error));
  audited.name = e?.name ?? 'Error';
  audited.stack = undefined;
  return audited;
}

/** Body parsing with errors that say what to fix, as Backstage error types. */
function parseBody(
  json: express.RequestHandler,
  limit: number,
): express.RequestHandler {
  return (req, res, next) =>
    json(req, res, (error?: unknown) => {
      const e = error as { type?: string; message?: string } | undefined;
      if (!e) next();
      else if (e.type === 'entity.too.large') {
        next(
          new PayloadTooLargeError({
            unit: 'bytes',
            limit,
            setting: 'stagedoor.push.maxBodyBytes',
          }),
        );
      } else {
        next(
          new InputError(`Malformed push body, expected JSON: ${e.message}`),
        );
      }
    });
}
