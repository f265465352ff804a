import type { HttpCheck } from '../deploy/http-probe.js';
import type { FleetState } from '../render/fleet-state.js';

/** What a target stores about verification: one request per site the agent serves. */
export interface StoredCheck {
  port: number;
  hostHeader: string;
  path: string;
}

/**
 * Statuses that prove the proxy serves a site. 502/503/504 count: the proxy answered and its
 * backend did not, which health probes report; a backend outage must not block the deploy that
 * fixes it. 500 does not count (nginx and Apache answer 500 for broken rewrites and includes).
 */
export const PROXY_ANSWERED: readonly number[] = [
  ...Array.from({ length: 400 }, (_, i) => 100 + i),
  502,
  503,
  504,
];

/** One plain-HTTP request per site on the agent, to the agent's HTTP port, with the site's name. */
export function checksForAgent(state: FleetState, agentId: string): StoredCheck[] {
  const agent = state.agents.find((a) => a.id === agentId);
  if (!agent) return [];
  return state.sites
    .filter((s) => s.agentIds.includes(agentId) && s.hostnames.length > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => ({
      port: agent.httpPort ?? 80,
      hostHeader:
        s.hostnames.find((h) => !h.startsWith('*')) ?? s.hostnames[0]!.replace('*', 'portico-verify'),
      path: '/',
    }));
}

export function httpChecks(stored: readonly StoredCheck[]): HttpCheck[] {
  return stored.map((c) => ({ ...c, acceptStatus: [...PROXY_ANSWERED] }));
}
