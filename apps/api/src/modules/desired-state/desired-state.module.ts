import { Module } from '@nestjs/common';
import { DesiredStateService } from './desired-state.service.js';

@Module({
  providers: [DesiredStateService],
  exports: [DesiredStateService],
})
export class DesiredStateModule {}
