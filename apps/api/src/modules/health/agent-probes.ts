import type { Duplex } from 'node:stream';
import type { ProbeResult } from './health-check.js';

/**
 * Health's port for probes that log in to an agent: drift (deployments owns it), the rest over
 * a kept SSH session (agent-hosts). Health declares it and never imports those features; the
 * class is the injection token, bound where the app is wired (`agent-probes.module.ts`).
 */
export abstract class AgentProbes {
  /**
   * Why Portico must not log in to the agent in the background, or null when it may: no key,
   * or a host key nobody has confirmed yet (a probe would otherwise make first contact and pin
   * whatever key it met, behind the back of the admin who is meant to check the fingerprint).
   */
  abstract notReady(agentId: string): Promise<string | null>;
  abstract drift(agentId: string): Promise<ProbeResult>;
  abstract process(agentId: string, timeoutMs: number): Promise<ProbeResult>;
  /** A TCP stream opened by the agent (direct-tcpip), for probes from inside its network. */
  abstract openTcp(agentId: string, host: string, port: number): Promise<Duplex>;
}
