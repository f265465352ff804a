import { Global, Module } from '@nestjs/common';
import { AgentHostsModule } from './modules/agent-hosts/agent-hosts.module.js';
import { AgentSideProbes } from './modules/agent-hosts/agent-side-probes.js';
import { DeploymentsModule } from './modules/deployments/deployments.module.js';
import { DriftProbe } from './modules/deployments/drift.probe.js';
import { AgentProbes } from './modules/health/agent-probes.js';

/**
 * Binds health's `AgentProbes` port to the features that log in to agents: agent-hosts (process
 * and TCP probes over a kept session) and deployments (drift). It lives with the app's wiring,
 * not in health, so health never imports the features it watches.
 */
@Global()
@Module({
  imports: [AgentHostsModule, DeploymentsModule],
  providers: [
    {
      provide: AgentProbes,
      inject: [AgentSideProbes, DriftProbe],
      useFactory: (onAgents: AgentSideProbes, drift: DriftProbe): AgentProbes => ({
        notReady: (agentId) => onAgents.notReady(agentId),
        drift: (agentId) => drift.drift(agentId),
        process: (agentId, timeoutMs) => onAgents.process(agentId, timeoutMs),
        openTcp: (agentId, host, port) => onAgents.openTcp(agentId, host, port),
      }),
    },
  ],
  exports: [AgentProbes],
})
export class AgentProbesModule {}
