import type { CheckSpec } from './health-check.js';

// Which checks the fleet needs, as a pure function of the desired state: the same state gives
// the same checks (same keys), so a reload only touches checks that really changed.

export interface PlanAgent {
  id: string;
  address: string;
  sshPort: number;
  listenAddress: string | null;
  httpPort: number;
  httpsPort: number;
  /** Portico holds an SSH key for it, so checks that log in (drift) can run. */
  hasKey: boolean;
}

export interface PlanSite {
  id: string;
  hostnames: string[];
  tlsMode: 'off' | 'acme' | 'uploaded';
  httpsRedirect: boolean;
  websocket: boolean;
  agentIds: string[];
}

export interface PlanUpstream {
  id: string;
  kind: 'generic' | 'ollama' | 'openwebui';
  targets: { scheme?: 'http' | 'https'; host: string; port: number }[];
  /** agents: each target is probed from every agent whose sites route to this upstream. */
  probeFrom?: 'portico' | 'agents';
  /** Agents serving a site with a route to this upstream. */
  agentIds?: string[];
}

export interface PlanInput {
  agents: PlanAgent[];
  sites: PlanSite[];
  upstreams: PlanUpstream[];
}

export interface PlanSettings {
  intervalMs: number;
  timeoutMs: number;
  /** How often agents are compared with what was deployed over SSH; 0 turns it off. */
  driftIntervalMs?: number;
}

export function planChecks(input: PlanInput, settings: PlanSettings): CheckSpec[] {
  const { intervalMs, timeoutMs } = settings;
  const checks: CheckSpec[] = [];
  const agents = new Map(input.agents.map((a) => [a.id, a]));

  for (const site of input.sites) {
    const host = site.hostnames[0];
    if (!host) continue;
    const tls = site.tlsMode !== 'off';
    for (const agentId of site.agentIds) {
      const agent = agents.get(agentId);
      if (!agent) continue;
      const address = agent.listenAddress ?? agent.address;
      const port = tls ? agent.httpsPort : agent.httpPort;
      const base = { subjectType: 'site' as const, subjectId: site.id, agentId, intervalMs, timeoutMs };
      const key = (kind: string) => `site:${site.id}:${kind}@${agentId}`;
      checks.push({
        ...base,
        key: key('http'),
        probe: { kind: 'site-http', address, port, tls, host, path: '/', expect: [] },
      });
      if (site.websocket) {
        checks.push({
          ...base,
          key: key('websocket'),
          probe: { kind: 'site-websocket', address, port, tls, host, path: '/' },
        });
      }
      if (tls) {
        checks.push({ ...base, key: key('tls'), probe: { kind: 'site-tls', address, port, host } });
        if (site.httpsRedirect) {
          checks.push({
            ...base,
            key: key('redirect'),
            probe: { kind: 'site-redirect', address, port: agent.httpPort, host },
          });
        }
      }
    }
  }

  for (const upstream of input.upstreams) {
    const ollama = upstream.kind === 'ollama';
    // From Portico, or from each agent with a key that routes to it (the agent's own view).
    const vantages: (string | undefined)[] =
      upstream.probeFrom === 'agents'
        ? (upstream.agentIds ?? []).filter((id) => agents.get(id)?.hasKey)
        : [undefined];
    for (const target of upstream.targets) {
      const scheme = target.scheme ?? 'http';
      for (const viaAgentId of vantages) {
        checks.push({
          key: `upstream:${upstream.id}:${scheme}://${target.host}:${target.port}${viaAgentId ? `@${viaAgentId}` : ''}`,
          subjectType: 'upstream',
          subjectId: upstream.id,
          ...(viaAgentId ? { agentId: viaAgentId } : {}),
          intervalMs,
          timeoutMs,
          probe: {
            kind: 'upstream-http',
            scheme,
            host: target.host,
            port: target.port,
            path: ollama ? '/api/tags' : '/',
            ollama,
            ...(viaAgentId ? { viaAgentId } : {}),
          },
        });
      }
    }
  }

  for (const agent of input.agents) {
    const base = {
      subjectType: 'agent' as const,
      subjectId: agent.id,
      agentId: agent.id,
      intervalMs,
      timeoutMs,
    };
    checks.push({
      ...base,
      key: `agent:${agent.id}:ssh`,
      probe: { kind: 'agent-ssh', address: agent.address, port: agent.sshPort },
    });
    checks.push({
      ...base,
      key: `agent:${agent.id}:proxy`,
      probe: { kind: 'agent-proxy', address: agent.listenAddress ?? agent.address, port: agent.httpPort },
    });
    if (agent.hasKey) {
      checks.push({
        ...base,
        key: `agent:${agent.id}:process`,
        probe: { kind: 'agent-process', agentId: agent.id },
      });
    }
    if (agent.hasKey && settings.driftIntervalMs) {
      checks.push({
        ...base,
        key: `agent:${agent.id}:drift`,
        // A login and an inventory read per run: slower and rarer than the port checks.
        intervalMs: settings.driftIntervalMs,
        timeoutMs: Math.max(timeoutMs, 30_000),
        probe: { kind: 'agent-drift', agentId: agent.id },
      });
    }
  }
  return checks;
}
