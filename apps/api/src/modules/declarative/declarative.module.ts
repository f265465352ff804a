import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { CertificatesModule } from '../certificates/certificates.module.js';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { RenderModule } from '../render/render.module.js';
import { ServicesModule } from '../services/services.module.js';
import { SitesModule } from '../sites/sites.module.js';
import { UpstreamsModule } from '../upstreams/upstreams.module.js';
import { DeclarativeController } from './declarative.controller.js';
import { DeclarativeService } from './declarative.service.js';
import { FleetReader } from './fleet-reader.js';
import { PlanExecutor } from './plan-executor.js';

/** Declarative apply with a plan, and export of the desired state (docs/automation.md). */
@Module({
  imports: [
    DesiredStateModule,
    RenderModule,
    DeploymentsModule,
    AgentsModule,
    UpstreamsModule,
    CertificatesModule,
    SitesModule,
    ServicesModule,
  ],
  controllers: [DeclarativeController],
  providers: [DeclarativeService, FleetReader, PlanExecutor],
  exports: [FleetReader],
})
export class DeclarativeModule {}
