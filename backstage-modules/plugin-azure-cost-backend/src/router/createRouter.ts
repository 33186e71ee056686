import express from 'express';
import Router from 'express-promise-router';
import type {
  HttpAuthService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import type { AzureCostService } from '../service/AzureCostService';

export interface RouterOptions {
  service: AzureCostService;
  httpAuth: HttpAuthService;
  config: RootConfigService;
  logger: LoggerService;
}

/**
 * `GET /cost?entityRef=component:default/payments[&days=30]` → AzureCostReport.
 * Errors are thrown and serialised by Backstage's error middleware.
 */
export function createRouter(options: RouterOptions): express.Router {
  const { service, httpAuth, config, logger } = options;
  const router = Router();

  router.get('/cost', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const { entityRef, days } = req.query;
    if (typeof entityRef !== 'string' || !entityRef) {
      throw new InputError(
        'Query parameter entityRef is required, e.g. ?entityRef=component:default/payments',
      );
    }
    if (
      days !== undefined &&
      (typeof days !== 'string' || !/^\d+$/.test(days))
    ) {
      throw new InputError('Query parameter days must be a whole number');
    }
    res.json(
      await service.costOf(
        entityRef,
        days === undefined ? undefined : Number(days),
        credentials,
      ),
    );
  });

  router.use(MiddlewareFactory.create({ config, logger }).error());
  return router;
}
