import { isIP } from 'node:net';
import { OutboundDenied, OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import type { AgentProbes } from './agent-probes.js';
import type { CheckSpec, ProbeResult } from './health-check.js';

import { probeSiteHttp, probeSiteRedirect, probeSiteTls, probeSiteWebsocket } from './site-probes.js';
import { probeAgentProxy, probeAgentSsh, probeUpstream } from './target-probes.js';

/** Runs the probe a check names. Never throws: every failure is a `fail` result. */
export class ProbeRunner {
  constructor(
    private readonly tlsWarnDays: number,
    /** Extra trusted CAs (PEM) for the TLS probe; public roots stay trusted. */
    private readonly extraCa?: string,
    private readonly agentProbes?: AgentProbes,
    /** Every address is checked (and a name resolved) before a probe connects to it. */
    private readonly policy = new OutboundPolicy([], []),
  ) {}

  async run(check: CheckSpec): Promise<ProbeResult> {
    const p = check.probe;
    const timeout = check.timeoutMs;
    const checked = (address: string) => this.policy.resolve(address);
    try {
      switch (p.kind) {
        case 'site-http':
          return await probeSiteHttp({ ...p, address: await checked(p.address) }, timeout);
        case 'site-redirect':
          return await probeSiteRedirect({ ...p, address: await checked(p.address) }, timeout);
        case 'site-websocket':
          return await probeSiteWebsocket({ ...p, address: await checked(p.address) }, timeout);
        case 'site-tls':
          return await probeSiteTls(
            { ...p, address: await checked(p.address) },
            timeout,
            this.tlsWarnDays,
            this.extraCa,
          );
        case 'upstream-http': {
          const { viaAgentId } = p;
          if (!viaAgentId) return await probeUpstream(p, timeout, undefined, await checked(p.host));
          const agents = this.agentProbes;
          if (!agents) return unavailable('probes from agents');
          // The agent resolves names in its own network; an address is checked here.
          if (isIP(p.host)) this.policy.check(p.host);
          const notReady = await agents.notReady(viaAgentId);
          if (notReady) return waiting(notReady);
          const result = await probeUpstream(p, timeout, () => agents.openTcp(viaAgentId, p.host, p.port));
          return { ...result, detail: { ...result.detail, from: 'agent' } };
        }
        case 'agent-ssh':
          return await probeAgentSsh({ ...p, address: await checked(p.address) }, timeout);
        case 'agent-proxy':
          return await probeAgentProxy({ ...p, address: await checked(p.address) }, timeout);
        case 'agent-process':
        case 'agent-drift': {
          const agents = this.agentProbes;
          if (!agents) return unavailable(p.kind === 'agent-drift' ? 'drift checks' : 'process checks');
          const notReady = await agents.notReady(p.agentId);
          if (notReady) return waiting(notReady);
          return p.kind === 'agent-drift'
            ? await agents.drift(p.agentId)
            : await agents.process(p.agentId, timeout);
        }
      }
    } catch (error) {
      if (error instanceof OutboundDenied) {
        return { outcome: 'fail', latencyMs: 0, message: error.message, detail: { stage: 'policy' } };
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
        return {
          outcome: 'fail',
          latencyMs: 0,
          message: `cannot resolve: ${code}`,
          detail: { stage: 'connect' },
        };
      }
      return { outcome: 'fail', latencyMs: 0, message: `probe error: ${(error as Error).message}` };
    }
  }
}

function unavailable(what: string): ProbeResult {
  return { outcome: 'fail', latencyMs: 0, message: `${what} are not available` };
}

/** Not probed yet, for a reason someone has to act on: a warning (degraded), never down. */
function waiting(reason: string): ProbeResult {
  return { outcome: 'warn', latencyMs: 0, message: `not probed: ${reason}`, detail: { stage: 'agent' } };
}
