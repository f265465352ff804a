import { Module } from '@nestjs/common';
import { DeclarativeModule } from '../declarative/declarative.module.js';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { BackupController } from './backup.controller.js';
import { BackupService } from './backup.service.js';
import { RestoredStateCheck } from './restored-state-check.js';

/** Backup and restore of everything Portico stores (docs/automation.md). */
@Module({
  imports: [DeclarativeModule, DesiredStateModule],
  controllers: [BackupController],
  providers: [BackupService, RestoredStateCheck],
})
export class BackupModule {}
