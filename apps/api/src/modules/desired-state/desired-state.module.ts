import { Module } from '@nestjs/common';
import { DesiredStateService } from './desired-state.service.js';
import { FleetInvariants } from './fleet-invariants.js';
import { StateWriter } from './state-writer.js';

@Module({
  providers: [DesiredStateService, FleetInvariants, StateWriter],
  exports: [DesiredStateService, StateWriter, FleetInvariants],
})
export class DesiredStateModule {}
