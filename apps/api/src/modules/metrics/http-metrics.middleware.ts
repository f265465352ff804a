import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

export const CATCH_ALL = '/{*path}';

/**
 * Counts every HTTP request when its response is finished. The route label is the matched
 * route pattern (`/api/v1/sites/:id`), never the raw path, so ids do not explode cardinality.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      const labels = {
        method: req.method,
        // This middleware is mounted as a catch-all route itself: seeing it means nothing else matched.
        route: typeof route === 'string' && route !== CATCH_ALL ? `${req.baseUrl}${route}` : 'unmatched',
        status: String(res.statusCode),
      };
      this.metrics.httpRequests.inc(labels);
      this.metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  }
}
