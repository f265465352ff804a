import type { Duplex } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { ProbeResult } from '../health/health-check.js';
import type { AgentProbes } from '../health/probe-runner.js';
import { settingsForAgent } from './agent-host-settings.js';
import { AgentSessions } from './agent-sessions.js';

/**
 * Health probes that run on the agent, over its kept-open SSH session: whether the proxy
 * process runs (the agent's status command), and TCP streams opened from the agent for
 * upstreams only it can reach. Failures to log in are failed probes, never exceptions.
 */
@Injectable()
export class AgentSideProbes implements Omit<AgentProbes, 'drift'> {
  constructor(private readonly sessions: AgentSessions) {}

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
