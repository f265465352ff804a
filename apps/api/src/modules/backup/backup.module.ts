import { Module } from '@nestjs/common';
import { BackupController } from './backup.controller.js';
import { BackupService } from './backup.service.js';

/** Backup and restore of everything Portico stores (docs/automation.md). */
@Module({ controllers: [BackupController], providers: [BackupService] })
export class BackupModule {}
