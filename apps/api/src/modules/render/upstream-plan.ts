import type { BalancePolicy, UpstreamKind, UpstreamSpec } from './fleet-state.js';
import { RenderError } from './render-error.js';

export interface TargetPlan {
  host: string;
  port: number;
  /** host:port, IPv6 hosts bracketed. */
  address: string;
  weight: number;
  /** Stable member id for Apache's sticky sessions (ip_hash stand-in). */
  route: string;
}

export interface UpstreamPlan {
  name: string;
  kind: UpstreamKind;
  /** The nginx `upstream` block name, prefixed so it never collides with the host's own. */
  nginxName: string;
  scheme: 'http' | 'https';
  policy: BalancePolicy;
  keepalive: number;
  targets: TargetPlan[];
  /** First target: the TLS server name for https upstreams and the Host that Ollama accepts. */
  primary: TargetPlan;
}

/**
 * A host as it appears in host:port and URLs. IPv6 addresses are bracketed and written in the
 * canonical short form (RFC 5952): nginx refuses some valid spellings such as `1:2:3:4:5:6:7::`.
 */
export function urlHost(host: string): string {
  return host.includes(':') ? new URL(`http://[${host}]/`).hostname : host;
}

export function upstreamPlan(upstream: UpstreamSpec): UpstreamPlan {
  const schemes = new Set(upstream.targets.map((t) => t.scheme));
  if (upstream.targets.length === 0 || schemes.size > 1) {
    throw new RenderError(
      'UPSTREAM_INVALID',
      upstream.targets.length === 0
        ? `upstream ${upstream.name} has no targets`
        : `upstream ${upstream.name} mixes http and https targets; split it into two upstreams`,
      { upstream: upstream.name },
    );
  }
  const sorted = [...upstream.targets].sort((a, b) =>
    a.host === b.host ? a.port - b.port : a.host < b.host ? -1 : 1,
  );
  const targets = sorted.map((t, i) => ({
    host: t.host,
    port: t.port,
    address: `${urlHost(t.host)}:${t.port}`,
    weight: t.weight,
    route: `m${i + 1}`,
  }));
  return {
    name: upstream.name,
    kind: upstream.kind,
    nginxName: `portico_${upstream.name}`,
    scheme: upstream.targets[0]?.scheme ?? 'http',
    policy: upstream.policy,
    keepalive: upstream.keepalive,
    targets,
    primary: targets[0] as TargetPlan,
  };
}
