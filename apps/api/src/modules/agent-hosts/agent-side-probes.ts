import type { Duplex } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { AgentProbes } from '../health/agent-probes.js';
import type { ProbeResult } from '../health/health-check.js';
import { settingsForAgent } from './agent-host-settings.js';
import { AgentHostsRepository } from './agent-hosts.repository.js';
import { AgentSessions } from './agent-sessions.js';

/**
 * Health probes that run on the agent, over its kept-open SSH session: whether the proxy
 * process runs (the agent's status command), and TCP streams opened from the agent for
 * upstreams only it can reach. Failures to log in are failed probes, never exceptions.
 */
@Injectable()
export class AgentSideProbes implements Omit<AgentProbes, 'drift'> {
  constructor(
    private readonly sessions: AgentSessions,
    private readonly repo: AgentHostsRepository,
  ) {}

  async notReady(agentId: string): Promise<string | null> {
    const agent = await this.repo.keyState(agentId);
    if (!agent) return 'the agent is gone';
    if (!agent.sshKeyEncrypted) return 'Portico has no SSH key for this agent';
    if (agent.offeredHostKey) return 'its host key changed: review and accept it first';
    if (!agent.hostKeyFingerprint)
      return 'its host key is not confirmed yet: run the connection test (POST /api/v1/agents/:id/test)';
    return null;
  }

  async process(agentId: string, timeoutMs: number): Promise<ProbeResult> {
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    try {
      return await this.sessions.with(agentId, async (ssh, agent) => {
        const command = settingsForAgent(agent).statusCommand;
        const result = await ssh.exec(command, { timeoutMs });
        if (result.code === 0) {
          return { outcome: 'ok', latencyMs: latencyMs(), message: `${agent.flavor} is running` };
        }
        const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0]?.slice(0, 160);
        return {
          outcome: 'fail',
          latencyMs: latencyMs(),
          message: `${agent.flavor} is not running (${command}: exit ${result.code}${said ? `, ${said}` : ''})`,
          detail: { command, exitCode: result.code },
        };
      });
    } catch (error) {
      return { outcome: 'fail', latencyMs: latencyMs(), message: (error as Error).message.slice(0, 200) };
    }
  }

  openTcp(agentId: string, host: string, port: number): Promise<Duplex> {
    return this.sessions.with(agentId, (ssh) => ssh.openTcp(host, port));
  }
}
