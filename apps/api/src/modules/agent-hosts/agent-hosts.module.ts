import { Module } from '@nestjs/common';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { AgentConnector } from './agent-connector.js';
import { AgentHostsController } from './agent-hosts.controller.js';
import { AgentHostsService } from './agent-hosts.service.js';

/** Talking to an agent's host: connection and host keys, the agent test, config import. */
@Module({
  imports: [DesiredStateModule],
  controllers: [AgentHostsController],
  providers: [AgentConnector, AgentHostsService],
  exports: [AgentConnector],
})
export class AgentHostsModule {}
