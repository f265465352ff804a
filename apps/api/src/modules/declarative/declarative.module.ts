import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { RenderModule } from '../render/render.module.js';
import { DeclarativeController } from './declarative.controller.js';
import { DeclarativeService } from './declarative.service.js';
import { FleetReader } from './fleet-reader.js';
import { PlanExecutor } from './plan-executor.js';

/** Declarative apply with a plan, and export of the desired state (docs/automation.md). */
@Module({
  imports: [DesiredStateModule, RenderModule, DeploymentsModule],
  controllers: [DeclarativeController],
  providers: [DeclarativeService, FleetReader, PlanExecutor],
})
export class DeclarativeModule {}
