import type { CheckSpec, ProbeResult } from './health-check.js';

/** Probes that log in to an agent; provided by the deployments feature, which owns drift. */
export interface AgentProbes {
  drift(agentId: string): Promise<ProbeResult>;
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
        case 'upstream-http':
          return await probeUpstream(p, timeout);
        case 'agent-ssh':
          return await probeAgentSsh(p, timeout);
        case 'agent-proxy':
          return await probeAgentProxy(p, timeout);
        case 'agent-drift':
          if (!this.agentProbes)
            return { outcome: 'fail', latencyMs: 0, message: 'drift checks are not available' };
          return await this.agentProbes.drift(p.agentId);
      }
    } catch (error) {
      return { outcome: 'fail', latencyMs: 0, message: `probe error: ${(error as Error).message}` };
    }
  }
}
