import { Module } from '@nestjs/common';
import { DatabaseHandle } from '../../database/database.module.js';
import { AgentHostsModule } from '../agent-hosts/agent-hosts.module.js';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { RenderModule } from '../render/render.module.js';
import { AgentLocks } from './agent-locks.js';
import { DeploymentRecovery } from './deployment-recovery.js';
import { DeploymentRunner } from './deployment-runner.js';
import { DeploymentsController } from './deployments.controller.js';
import { DeploymentsRepository } from './deployments.repository.js';
import { DeploymentsService } from './deployments.service.js';
import { DriftController } from './drift.controller.js';
import { DriftProbe } from './drift.probe.js';
import { DriftService } from './drift.service.js';
import { FileSnapshotRepository } from './file-snapshot.repository.js';

/** Fleet deployments: creation, the runner every instance runs, recovery, rollback, drift. */
@Module({
  imports: [AgentHostsModule, DesiredStateModule, RenderModule],
  controllers: [DeploymentsController, DriftController],
  providers: [
    {
      provide: AgentLocks,
      inject: [DatabaseHandle],
      useFactory: (db: DatabaseHandle) => new AgentLocks(db.embedded ? null : db.url),
    },
    FileSnapshotRepository,
    DeploymentsRepository,
    DeploymentRecovery,
    DeploymentRunner,
    DeploymentsService,
    DriftService,
    DriftProbe,
  ],
  exports: [DeploymentsService, DriftProbe, DriftService],
})
export class DeploymentsModule {}
