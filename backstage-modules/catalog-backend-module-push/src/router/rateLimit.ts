import type express from 'express';
import { rateLimit } from 'express-rate-limit';
import { TooManyRequestsError } from '../service/errors';

type RateLimitedRequest = express.Request & {
  rateLimit?: { resetTime?: Date };
};

/**
 * A per-principal limit on a route (express-rate-limit, fixed one-minute window,
 * in memory: per replica). Reads the principal's subject from `res.locals.subject`,
 * so it must run after authentication. Over the limit it answers `429` with
 * `Retry-After` (seconds until the window resets) through the router's error handler.
 */
export function perPrincipalRateLimit(
  requestsPerMinute: number,
): express.RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: requestsPerMinute,
    keyGenerator: (_req, res) => String(res.locals.subject),
    // No RateLimit-* headers on every answer; the 429 carries Retry-After.
    standardHeaders: false,
    legacyHeaders: false,
    handler: (req, res, next) => {
      const resetTime = (req as RateLimitedRequest).rateLimit?.resetTime;
      const seconds = resetTime
        ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000))
        : 60;
      res.setHeader('Retry-After', String(seconds));
      next(
        new TooManyRequestsError(String(res.locals.subject), {
          requestsPerMinute,
          retryAfterSeconds: seconds,
        }),
      );
    },
    // The key is the authenticated principal, not the client address, so the
    // library's IP and proxy checks do not apply.
    validate: false,
  });
}
