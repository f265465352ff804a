import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { Public } from '../auth/auth.decorators.js';
import { MetricsService } from './metrics.service.js';

/**
 * Prometheus scrape endpoint. It has its own credential, METRICS_TOKEN, so a scraper needs no
 * user account; without the setting the endpoint does not exist (404).
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response) {
    const token = this.config.metricsToken;
    if (!token) throw new AppError('NOT_FOUND', 'Metrics are off: set METRICS_TOKEN to enable GET /metrics');
    const given = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '';
    if (!sameSecret(given, token)) {
      throw new AppError(
        'UNAUTHENTICATED',
        'Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>"',
      );
    }
    res.setHeader('Content-Type', this.metrics.contentType);
    res.send(await this.metrics.scrape());
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
