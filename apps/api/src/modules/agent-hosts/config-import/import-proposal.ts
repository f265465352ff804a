/** A hand-written config file read from a host. */
export interface ImportedFile {
  path: string;
  content: string;
}

export interface ProposedTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  weight: number;
}

export interface ProposedUpstream {
  name: string;
  targets: ProposedTarget[];
  /** nginx `least_conn` / `ip_hash`; Apache lbmethod=bybusyness maps to least_conn. */
  policy: 'round_robin' | 'least_conn' | 'ip_hash';
  source: string;
}

export interface ProposedRoute {
  pathPrefix: string;
  /** Name of a proposed upstream. */
  upstream: string;
  streaming: boolean;
}

export interface ProposedSite {
  name: string;
  hostnames: string[];
  listen: string[];
  tls: boolean;
  httpsRedirect: boolean;
  hsts: boolean;
  websocket: boolean;
  readTimeoutSec: number | null;
  maxBodyMb: number | null;
  responseHeaders: { name: string; value: string }[];
  upstreamHeaders: { name: string; value: string }[];
  routes: ProposedRoute[];
  source: string;
}

/** Something in a hand-written config that has no Portico equivalent (yet): a person decides. */
export interface Unmapped {
  source: string;
  line: number;
  directive: string;
  reason: string;
}

/** What Portico could build from hand-written configs, and what it could not map. */
export interface ImportProposal {
  sites: ProposedSite[];
  upstreams: ProposedUpstream[];
  unmapped: Unmapped[];
}

/**
 * Collects sites and upstreams from either parser: names them the way Portico's resource names
 * must look, gives direct proxy targets an upstream of their own (deduplicated), and merges the
 * plain-HTTP twin of a TLS site (a redirect-only server block) into one site.
 */
export class ProposalBuilder {
  private readonly sites: ProposedSite[] = [];
  private readonly upstreams = new Map<string, ProposedUpstream>();
  readonly unmapped: Unmapped[] = [];

  addUpstream(upstream: ProposedUpstream): void {
    this.upstreams.set(upstream.name, { ...upstream, name: resourceName(upstream.name) });
  }

  hasUpstream(name: string): boolean {
    return this.upstreams.has(name);
  }

  /** Name of the upstream for a direct target URL, creating it on first use. */
  upstreamFor(target: ProposedTarget, source: string): string {
    const existing = [...this.upstreams.values()].find(
      (u) =>
        u.targets.length === 1 &&
        u.targets[0]!.host === target.host &&
        u.targets[0]!.port === target.port &&
        u.targets[0]!.scheme === target.scheme,
    );
    if (existing) return existing.name;
    const name = resourceName(`${target.host}-${target.port}`);
    this.upstreams.set(name, { name, targets: [target], policy: 'round_robin', source });
    return name;
  }

  upstreamName(raw: string): string {
    return this.upstreams.get(raw)?.name ?? resourceName(raw);
  }

  addSite(site: ProposedSite): void {
    const twin = this.sites.find(
      (s) => s.hostnames.join(' ') === site.hostnames.join(' ') && s.tls !== site.tls,
    );
    if (twin) {
      const [tls, plain] = twin.tls ? [twin, site] : [site, twin];
      const merged: ProposedSite = {
        ...tls,
        listen: [...plain.listen, ...tls.listen],
        httpsRedirect: plain.httpsRedirect || tls.httpsRedirect,
        hsts: plain.hsts || tls.hsts,
        routes: tls.routes.length > 0 ? tls.routes : plain.routes,
        source: tls.source === plain.source ? tls.source : `${plain.source}, ${tls.source}`,
      };
      this.sites.splice(this.sites.indexOf(twin), 1, merged);
      return;
    }
    this.sites.push(site);
  }

  unmap(source: string, line: number, directive: string, reason: string): void {
    this.unmapped.push({ source, line, directive, reason });
  }

  build(): ImportProposal {
    const taken = new Set<string>();
    const sites = this.sites.map((s) => {
      let name = resourceName(s.hostnames[0] ?? s.name);
      for (let i = 2; taken.has(name); i++) name = resourceName(`${s.hostnames[0] ?? s.name}-${i}`);
      taken.add(name);
      return { ...s, name };
    });
    return { sites, upstreams: [...this.upstreams.values()], unmapped: this.unmapped };
  }
}

/** Turns any text into a Portico resource name: lower-case letters, digits and hyphens. */
export function resourceName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/^\*\./, 'wildcard-')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'imported';
}

/** Parses `http://host:port/path`; null for anything with variables or an unknown scheme. */
export function parseTarget(url: string): (ProposedTarget & { path: string }) | null {
  const m = /^(https?|wss?):\/\/(\[[^\]]+\]|[^/:$]+)(?::(\d+))?(\/[^$]*)?$/i.exec(url);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  const secure = scheme === 'https' || scheme === 'wss';
  return {
    scheme: secure ? 'https' : 'http',
    host: m[2]!.replace(/^\[|\]$/g, ''),
    port: m[3] ? Number(m[3]) : secure ? 443 : 80,
    weight: 1,
    path: m[4] ?? '/',
  };
}

export function emptySite(source: string): ProposedSite {
  return {
    name: '',
    hostnames: [],
    listen: [],
    tls: false,
    httpsRedirect: false,
    hsts: false,
    websocket: false,
    readTimeoutSec: null,
    maxBodyMb: null,
    responseHeaders: [],
    upstreamHeaders: [],
    routes: [],
    source,
  };
}
