import type { Agent } from '../../generated/prisma/client.js';
import type { AgentSpec, FleetState, ServiceSpec, SiteSpec, UpstreamSpec } from '../render/fleet-state.js';

/** One agent serving the site: its desired spec, its row (for SSH) and where its proxy listens. */
export interface DoctorAgent {
  spec: AgentSpec;
  row: Agent;
  /** Where Portico reaches the proxy: listenAddress, else address. */
  address: string;
  httpPort: number;
  httpsPort: number;
}

/** Everything the checks need about one site, read once from the desired state. */
export interface DoctorContext {
  site: SiteSpec;
  state: FleetState;
  agents: DoctorAgent[];
  /** The upstream of each route, by upstream id. */
  upstreams: Map<string, UpstreamSpec>;
  /** Open WebUI services this site fronts (their `upstream` option is one of the site's upstreams). */
  webuis: ServiceSpec[];
  /** Ollama services this site fronts. */
  ollamas: ServiceSpec[];
  /** Hostnames a client can type (wildcards cannot be probed). */
  hostnames: string[];
  tls: boolean;
}

const named = (upstreams: Map<string, UpstreamSpec>, name: unknown) =>
  [...upstreams.values()].find((u) => u.name === name || u.id === name);

export function buildContext(state: FleetState, siteId: string, rows: Agent[]): DoctorContext | null {
  const site = state.sites.find((s) => s.id === siteId);
  if (!site) return null;
  const upstreams = new Map<string, UpstreamSpec>();
  for (const route of site.routes) {
    const upstream = state.upstreams.find((u) => u.id === route.upstreamId);
    if (upstream) upstreams.set(upstream.id, upstream);
  }
  const agents: DoctorAgent[] = [];
  for (const id of site.agentIds) {
    const spec = state.agents.find((a) => a.id === id);
    const row = rows.find((r) => r.id === id);
    if (!spec || !row) continue;
    agents.push({
      spec,
      row,
      address: spec.listenAddress ?? row.address,
      httpPort: spec.httpPort ?? 80,
      httpsPort: spec.httpsPort ?? 443,
    });
  }
  const fronts = (kind: ServiceSpec['kind']) =>
    state.services.filter((s) => s.kind === kind && named(upstreams, s.options.upstream) !== undefined);
  const certificate = state.certificates.find((c) => c.id === site.certificateId);
  return {
    site,
    state,
    agents,
    upstreams,
    webuis: fronts('openwebui'),
    ollamas: fronts('ollama'),
    hostnames: site.hostnames.filter((h) => !h.includes('*')),
    tls: site.tlsMode !== 'off' && Boolean(certificate?.chainPem),
  };
}

/** The upstream a route or service option names. */
export function upstreamNamed(ctx: DoctorContext, name: unknown): UpstreamSpec | undefined {
  return named(ctx.upstreams, name) ?? ctx.state.upstreams.find((u) => u.name === name);
}

/** Upstreams that carry LLM traffic: token streams and long answers go through them. */
export function isLlmUpstream(ctx: DoctorContext, upstream: UpstreamSpec): boolean {
  if (upstream.kind !== 'generic') return true;
  return [...ctx.webuis, ...ctx.ollamas].some(
    (s) => upstreamNamed(ctx, s.options.upstream)?.id === upstream.id,
  );
}

/** Where a client reaches the site on this agent: the HTTPS listener with TLS, else port 80's. */
export function siteListener(ctx: DoctorContext, agent: DoctorAgent) {
  return { tls: ctx.tls, address: agent.address, port: ctx.tls ? agent.httpsPort : agent.httpPort };
}
