import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AppError } from '../../common/errors/app-error.js';
import { bodyWasParsed, readRawBody } from '../../common/http/raw-body.js';
import { ApiView } from '../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import { BackupService } from './backup.service.js';
import { backupView, restoreResultView } from './backup.view.js';

const restoreQuery = z.strictObject({
  force: z
    .enum(['true', 'false', '1', '0'])
    .transform((v) => v === 'true' || v === '1')
    .optional()
    .describe('replace a Portico that already holds desired state'),
});

/** Backups hold every table (sealed secrets stay sealed); they can be far beyond the JSON limit. */
const BACKUP_LIMIT = 1024 * 1024 * 1024;

@ApiTags('backup')
@Controller('api/v1')
export class BackupController {
  constructor(private readonly backups: BackupService) {}

  @ApiView(backupView)
  @Get('backup')
  @Requires('admin')
  async backup(@Res() res: Response) {
    const backup = await this.backups.backup();
    const stamp = backup.createdAt.replace(/[:.]/g, '-');
    res.setHeader('Content-Disposition', `attachment; filename="portico-backup-${stamp}.json"`);
    res.json(backup);
  }

  /** Send the backup as application/octet-stream (or application/json when it is small). */
  @ApiView(restoreResultView)
  @Post('restore')
  @HttpCode(200)
  @Requires('admin')
  @ApiConsumes('application/octet-stream', 'application/json')
  async restore(
    @Req() req: Request,
    @Query({ schema: restoreQuery }) q: z.infer<typeof restoreQuery>,
    @CurrentActor() actor: Actor,
  ) {
    let body: unknown;
    if (bodyWasParsed(req)) body = req.body;
    else {
      try {
        body = JSON.parse(await readRawBody(req, BACKUP_LIMIT));
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw new AppError('BACKUP_INVALID', 'The backup is not valid JSON');
      }
    }
    return this.backups.restore(body, actor, q.force ?? false);
  }
}
