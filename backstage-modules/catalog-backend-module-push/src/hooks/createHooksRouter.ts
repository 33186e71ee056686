import { timingSafeEqual, createHash } from 'node:crypto';
import express from 'express';
import Router from 'express-promise-router';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import type {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { AuthenticationError, InputError } from '@backstage/errors';
import type { PushMetrics } from '../service/metrics';
import type { HooksConfig } from './config';
import { hookEventSchema, type HookReceiver } from './HookReceiver';

/** The receiver's path below the catalog plugin (`/api/catalog` + this). */
export const HOOKS_PATH = '/stagedoor/v1/hooks/azure-devops';

/** Equal in constant time (both sides hashed first, so lengths never leak). */
function same(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}

/** True when the request carries the configured basic-auth credentials or header secret. */
export function authenticHookRequest(
  config: HooksConfig,
  req: express.Request,
): boolean {
  let ok = false;
  if (config.basicAuth) {
    const m = /^basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : '';
    const password = colon >= 0 ? decoded.slice(colon + 1) : '';
    // Both compared every time, so timing does not tell which one was wrong.
    const u = same(user, config.basicAuth.username);
    const p = same(password, config.basicAuth.password);
    ok = (m !== null && u && p) || ok;
  }
  if (config.header) {
    const value = req.headers[config.header.name];
    const v = same(typeof value === 'string' ? value : '', config.header.value);
    ok = (typeof value === 'string' && v) || ok;
  }
  return ok;
}

/**
 * `POST /stagedoor/v1/hooks/azure-devops`: Azure DevOps service hook deliveries.
 * Authenticated by the subscription's credentials (not Backstage's), 401 otherwise;
 * 400 for a body that is not a service hook event or larger than `maxBodyBytes`;
 * 202 once the event is recorded, the work running after the answer.
 */
export function createHooksRouter(options: {
  config: HooksConfig;
  /** The root config, for Backstage's error middleware. */
  rootConfig: RootConfigService;
  receiver: HookReceiver;
  logger: LoggerService;
  metrics?: PushMetrics;
}): express.Router {
  const { config, receiver, metrics } = options;
  const router = Router();
  const json = express.json({ limit: config.maxBodyBytes, type: () => true });
  router.post(HOOKS_PATH, (req, res, next) => {
    if (!authenticHookRequest(config, req)) {
      metrics?.hookDelivery(undefined, 'unauthenticated');
      res.setHeader('WWW-Authenticate', 'Basic realm="stagedoor-hooks"');
      next(
        new AuthenticationError(
          'The delivery does not carry the credentials configured in stagedoor.hooks',
        ),
      );
      return;
    }
    json(req, res, (error?: unknown) => {
      if (!error) {
        next();
        return;
      }
      const e = error as { type?: string; message?: string };
      metrics?.hookDelivery(undefined, 'invalid');
      next(
        new InputError(
          e.type === 'entity.too.large'
            ? `The event body is larger than ${config.maxBodyBytes} bytes (stagedoor.hooks.maxBodyBytes)`
            : `Malformed event body, expected JSON: ${e.message}`,
        ),
      );
    });
  });
  router.post(HOOKS_PATH, async (req, res) => {
    const parsed = hookEventSchema.safeParse(req.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        i => `${i.path.join('.') || 'body'}: ${i.message}`,
      );
      metrics?.hookDelivery(undefined, 'invalid');
      throw new InputError(
        `Not an Azure DevOps service hook event: ${issues.join('; ')}`,
      );
    }
    res.status(202).json(await receiver.accept(parsed.data, req));
  });
  // Backstage's error body (`ErrorResponseBody`) for the 400s and 401s above.
  router.use(
    MiddlewareFactory.create({
      config: options.rootConfig,
      logger: options.logger,
    }).error(),
  );
  return router;
}
