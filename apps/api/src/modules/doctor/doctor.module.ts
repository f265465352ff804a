import { Module } from '@nestjs/common';
import { AgentHostsModule } from '../agent-hosts/agent-hosts.module.js';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { DoctorController } from './doctor.controller.js';
import { DoctorService } from './doctor.service.js';

/** The site doctor: the reverse-proxy troubleshooting guide as checks with stable codes (docs/doctor.md). */
@Module({
  imports: [AgentHostsModule, DeploymentsModule, DesiredStateModule],
  controllers: [DoctorController],
  providers: [DoctorService],
})
export class DoctorModule {}
