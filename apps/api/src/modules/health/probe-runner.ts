import type { Duplex } from 'node:stream';
import type { CheckSpec, ProbeResult } from './health-check.js';

/** Probes that log in to an agent: drift (deployments owns it), the rest over a kept SSH session. */
export interface AgentProbes {
  drift(agentId: string): Promise<ProbeResult>;
  process(agentId: string, timeoutMs: number): Promise<ProbeResult>;
  /** A TCP stream opened by the agent (direct-tcpip), for probes from inside its network. */
  openTcp(agentId: string, host: string, port: number): Promise<Duplex>;
}

import { probeSiteHttp, probeSiteRedirect, probeSiteTls, probeSiteWebsocket } from './site-probes.js';
import { probeAgentProxy, probeAgentSsh, probeUpstream } from './target-probes.js';

/** Runs the probe a check names. Never throws: every failure is a `fail` result. */
export class ProbeRunner {
  constructor(
    private readonly tlsWarnDays: number,
    /** Extra trusted CAs (PEM) for the TLS probe; public roots stay trusted. */
    private readonly extraCa?: string,
    private readonly agentProbes?: AgentProbes,
  ) {}

  async run(check: CheckSpec): Promise<ProbeResult> {
    const p = check.probe;
    const timeout = check.timeoutMs;
    try {
      switch (p.kind) {
        case 'site-http':
          return await probeSiteHttp(p, timeout);
        case 'site-redirect':
          return await probeSiteRedirect(p, timeout);
        case 'site-websocket':
          return await probeSiteWebsocket(p, timeout);
        case 'site-tls':
          return await probeSiteTls(p, timeout, this.tlsWarnDays, this.extraCa);
        case 'upstream-http': {
          const { viaAgentId } = p;
          if (!viaAgentId) return await probeUpstream(p, timeout);
          const agents = this.agentProbes;
          if (!agents) return unavailable('probes from agents');
          const result = await probeUpstream(p, timeout, () => agents.openTcp(viaAgentId, p.host, p.port));
          return { ...result, detail: { ...result.detail, from: 'agent' } };
        }
        case 'agent-ssh':
          return await probeAgentSsh(p, timeout);
        case 'agent-proxy':
          return await probeAgentProxy(p, timeout);
        case 'agent-process':
          if (!this.agentProbes) return unavailable('process checks');
          return await this.agentProbes.process(p.agentId, timeout);
        case 'agent-drift':
          if (!this.agentProbes) return unavailable('drift checks');
          return await this.agentProbes.drift(p.agentId);
      }
    } catch (error) {
      return { outcome: 'fail', latencyMs: 0, message: `probe error: ${(error as Error).message}` };
    }
  }
}

function unavailable(what: string): ProbeResult {
  return { outcome: 'fail', latencyMs: 0, message: `${what} are not available` };
}
