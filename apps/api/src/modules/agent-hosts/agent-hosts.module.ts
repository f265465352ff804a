import { Module } from '@nestjs/common';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { AgentConnector } from './agent-connector.js';
import { AgentHostsController } from './agent-hosts.controller.js';
import { AgentHostsRepository } from './agent-hosts.repository.js';
import { AgentHostsService } from './agent-hosts.service.js';
import { AgentSessions } from './agent-sessions.js';
import { AgentSideProbes } from './agent-side-probes.js';

/** Talking to an agent's host: connection and host keys, the agent test, config import, probes on it. */
@Module({
  imports: [DesiredStateModule],
  controllers: [AgentHostsController],
  providers: [AgentConnector, AgentHostsRepository, AgentHostsService, AgentSessions, AgentSideProbes],
  exports: [AgentConnector, AgentSideProbes],
})
export class AgentHostsModule {}
