import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiView } from '../../common/http/view-schema.js';
import { DatabaseHandle } from '../../database/database.module.js';
import { pendingMigrations } from '../../database/migrator.js';
import { MIGRATIONS_DIR } from '../../database/paths.js';
import { Public } from '../auth/auth.decorators.js';
import { livenessView } from './liveness.view.js';

/** Liveness and readiness for load balancers and orchestrators: no auth, no secrets. */
@ApiTags('liveness')
@Controller('healthz')
export class LivenessController {
  constructor(private readonly db: DatabaseHandle) {}

  @ApiView(livenessView, 503)
  @ApiView(livenessView)
  @Public()
  @Get()
  async check(@Res({ passthrough: true }) res: Response) {
    try {
      const pending = await pendingMigrations(this.db.url, MIGRATIONS_DIR);
      const ready = pending.length === 0;
      if (!ready) res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return {
        status: ready ? 'ok' : 'migrating',
        database: 'up',
        pendingMigrations: pending,
        embedded: Boolean(this.db.embedded),
      };
    } catch {
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'unavailable', database: 'down' };
    }
  }
}
