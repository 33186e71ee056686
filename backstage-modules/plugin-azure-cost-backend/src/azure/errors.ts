import { CustomErrorBase } from '@backstage/errors';

/**
 * Azure Cost Management refused, failed or kept throttling a query. Crosses HTTP as
 * `{ error: { name: 'AzureCostError', message, code } }` with status 502 (503 when
 * throttled), `code` being Azure's error code.
 */
export class AzureCostError extends CustomErrorBase {
  override name = 'AzureCostError' as const;
  readonly statusCode: number;
  readonly code: string;

  constructor(message: string, code: string, statusCode = 502) {
    super(message);
    this.code = code;
    this.statusCode = statusCode;
  }
}
