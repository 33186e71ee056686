import express from 'express';
import Router from 'express-promise-router';
import type {
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { InputError, serializeError } from '@backstage/errors';
import { PUSH_API_PATH, pushRequestSchema } from '@stagedoor/common';
import type { PushConfig } from '../config';
import { authorizeSource } from '../service/authorize';
import {
  errorBodyExtras,
  PayloadTooLargeError,
  statusCodeOf,
} from '../service/errors';
import type { PushService } from '../service/PushService';
import type { SourceStatusService } from '../service/SourceStatusService';

/** What the push API needs; all built in the module's init. */
export interface RouterOptions {
  config: PushConfig;
  logger: LoggerService;
  httpAuth: HttpAuthService;
  pushService: PushService;
  statusService: SourceStatusService;
}

/**
 * The push API, mounted on the catalog plugin's router under `/stagedoor/v1`
 * (`/api/catalog/stagedoor/v1/...`); the catalog's own routes have no `/stagedoor` prefix.
 */
export function createRouter(options: RouterOptions): express.Router {
  const { config, httpAuth, pushService, statusService } = options;
  const api = Router();
  const json = express.json({ limit: config.maxBodyBytes, type: () => true });

  api.post('/push', parseBody(json, config.maxBodyBytes), async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    const parsed = pushRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        i => `${i.path.join('.') || 'body'}: ${i.message}`,
      );
      throw new InputError(`Malformed push body: ${issues.join('; ')}`);
    }
    const dryRun = req.query.dryRun === 'true' || req.query.dryRun === '1';
    res.json(
      await pushService.push(
        parsed.data,
        credentials.principal.subject,
        dryRun,
      ),
    );
  });

  api.get('/sources/:sourceKey', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['service'] });
    const sourceKey = req.params.sourceKey.toLowerCase();
    authorizeSource(
      config.rules,
      credentials.principal.subject,
      sourceKey.split('@')[0],
    );
    res.json(await statusService.status(sourceKey));
  });

  api.use(
    (
      error: unknown,
      req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (res.headersSent) {
        next(error);
        return;
      }
      const statusCode = statusCodeOf(error);
      if (statusCode >= 500)
        options.logger.error(`Push API request failed: ${error}`);
      // Backstage's error body shape (as MiddlewareFactory.error() writes it), plus the
      // list the client needs, e.g. every validation problem.
      res.status(statusCode).json({
        error: { ...serializeError(error as Error), ...errorBodyExtras(error) },
        request: { method: req.method, url: req.originalUrl },
        response: { statusCode },
      });
    },
  );

  const router = Router();
  router.use(PUSH_API_PATH, api);
  return router;
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
          new PayloadTooLargeError(
            `The push body is larger than ${limit} bytes (stagedoor.push.maxBodyBytes)`,
          ),
        );
      } else {
        next(
          new InputError(`Malformed push body, expected JSON: ${e.message}`),
        );
      }
    });
}
