import type { FleetIndex } from './fleet-index.js';
import type { AgentSpec, HeaderSpec, SiteSpec } from './fleet-state.js';
import { RenderError } from './render-error.js';
import { siteTls } from './site-tls.js';
import { type UpstreamPlan, urlHost } from './upstream-plan.js';

/** A request header Portico sets itself; its value is an nginx variable Portico writes. */
export interface ProxyHeader {
  name: string;
  value: string;
}

/**
 * The request headers nginx sends upstream. Users may set any header, and theirs replace ours of
 * the same name (nginx would send both otherwise), so each of ours is written only when free.
 */
export interface NginxHeaders {
  /** Include the shared X-Real-IP/X-Forwarded-* snippet: no user header replaces one of them. */
  forwardedSnippet: boolean;
  /** Otherwise, the ones still ours, written inline. */
  forwarded: ProxyHeader[];
  /** Pass Upgrade through (WebSocket). */
  upgrade: boolean;
  /** Connection value (an nginx expression), or null when the user sets Connection. */
  connection: string | null;
  /** Whether Host is ours to set. */
  host: boolean;
}

export interface RoutePlan {
  pathPrefix: string;
  upstream: UpstreamPlan;
  streaming: boolean;
  /** Host sent upstream; null keeps the client's. Ollama rejects Hosts it does not know. */
  hostHeader: string | null;
  /** Apache: several targets go through a per-route balancer of this name. */
  balancer: string | null;
}

export interface ListenPlan {
  /** nginx `listen` arguments. */
  nginx: string[];
  /** Apache `<VirtualHost>` address. */
  apache: string;
}

export interface HttpsPlan {
  listen: ListenPlan;
  certificateId: string;
  fullchain: string;
  privkey: string;
  chain: string | null;
  stapling: boolean;
}

/** Everything a site template needs, flavor-neutral where it can be, already checked. */
export interface SitePlan {
  name: string;
  /** Canonical name first, the rest sorted. */
  hostnames: string[];
  live: string;
  acmeRoot: string;
  http: { listen: ListenPlan; redirect: boolean };
  https: HttpsPlan | null;
  /** Appended to redirects when HTTPS is not on 443. */
  redirectPort: string;
  hsts: boolean;
  websocket: boolean;
  readTimeoutSec: number;
  sendTimeoutSec: number;
  /** Apache has one timeout for both directions. */
  proxyTimeoutSec: number;
  maxBodyMb: number;
  responseHeaders: HeaderSpec[];
  upstreamHeaders: HeaderSpec[];
  /** Longest prefix first: Apache's ProxyPass takes the first match. */
  routes: RoutePlan[];
  /** Apache before 2.4.47 has no upgrade=websocket: use mod_proxy_wstunnel rewrite rules. */
  apacheLegacyWebsocket: boolean;
  /** Apache: some balancer stands in for ip_hash with a route cookie. */
  apacheSticky: boolean;
  nginxHeaders: NginxHeaders;
}

export const ACME_PREFIX = '/.well-known/acme-challenge/';

const byHeaderName = (a: HeaderSpec, b: HeaderSpec) => {
  const x = a.name.toLowerCase();
  const y = b.name.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
};

export function configRootOf(agent: Pick<AgentSpec, 'configRoot'>): string {
  return agent.configRoot.replace(/\/+$/, '') || '/';
}

function listen(agent: AgentSpec, port: number): ListenPlan {
  const address = agent.listenAddress ? agent.listenAddress : null;
  if (!address) return { nginx: [`${port}`, `[::]:${port}`], apache: `*:${port}` };
  const host = urlHost(address);
  return { nginx: [`${host}:${port}`], apache: `${host}:${port}` };
}

/** Apache's mod_proxy_http learned upgrade=websocket in 2.4.47; unknown means modern. */
export function apacheHasUpgradeParam(version: string | null | undefined): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return true;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return major > 2 || (major === 2 && (minor > 4 || (minor === 4 && patch >= 47)));
}

const FORWARDED: ProxyHeader[] = [
  { name: 'X-Real-IP', value: '$remote_addr' },
  { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' },
  { name: 'X-Forwarded-Proto', value: '$scheme' },
  { name: 'X-Forwarded-Host', value: '$host' },
];

function nginxHeaders(site: SiteSpec): NginxHeaders {
  const taken = new Set(site.upstreamHeaders.map((h) => h.name.toLowerCase()));
  const forwarded = FORWARDED.filter((h) => !taken.has(h.name.toLowerCase()));
  return {
    forwardedSnippet: forwarded.length === FORWARDED.length,
    forwarded,
    upgrade: site.websocket && !taken.has('upgrade'),
    // An empty Connection lets nginx keep upstream connections alive.
    connection: taken.has('connection') ? null : site.websocket ? '$portico_connection_upgrade' : '""',
    host: !taken.has('host'),
  };
}

export function sitePlan(index: FleetIndex, site: SiteSpec, agent: AgentSpec): SitePlan {
  const root = configRootOf(agent);
  const live = `${root}/live`;
  const tls = siteTls(index, site);
  const httpsPort = agent.httpsPort ?? 443;
  const routes = [...site.routes]
    .sort(
      (a, b) =>
        b.pathPrefix.length - a.pathPrefix.length ||
        (a.pathPrefix < b.pathPrefix ? -1 : a.pathPrefix > b.pathPrefix ? 1 : 0),
    )
    .map((route, i): RoutePlan => {
      if (route.pathPrefix.startsWith(ACME_PREFIX)) {
        throw new RenderError(
          'ROUTE_RESERVED_PATH',
          `site ${site.name}: route ${route.pathPrefix} is under ${ACME_PREFIX}, which Portico serves for ACME`,
          { site: site.name, pathPrefix: route.pathPrefix },
        );
      }
      const upstream = index.routePlan(site, route);
      const hostHeader = upstream.kind === 'ollama' ? upstream.primary.address : null;
      return {
        pathPrefix: route.pathPrefix,
        upstream,
        streaming: route.streaming,
        hostHeader,
        balancer: upstream.targets.length > 1 ? `${site.name}-r${i + 1}` : null,
      };
    });
  const [canonical, ...aliases] = [...new Set(site.hostnames)];
  const responseHeaders = [...site.responseHeaders].sort(byHeaderName);
  const userHsts = responseHeaders.some((h) => h.name.toLowerCase() === 'strict-transport-security');
  const certDir = tls.state === 'active' ? `${live}/certs/${tls.certificate.id}` : '';
  return {
    name: site.name,
    hostnames: canonical === undefined ? [] : [canonical, ...aliases.sort()],
    live,
    acmeRoot: `${root}/acme`,
    http: {
      listen: listen(agent, agent.httpPort ?? 80),
      redirect: tls.state === 'active' && site.httpsRedirect,
    },
    https:
      tls.state === 'active'
        ? {
            listen: listen(agent, httpsPort),
            certificateId: tls.certificate.id,
            fullchain: `${certDir}/fullchain.pem`,
            privkey: `${certDir}/privkey.pem`,
            chain: tls.chain.intermediates ? `${certDir}/chain.pem` : null,
            stapling: tls.chain.stapling,
          }
        : null,
    redirectPort: httpsPort === 443 ? '' : `:${httpsPort}`,
    hsts: site.hsts && !userHsts,
    websocket: site.websocket,
    readTimeoutSec: site.readTimeoutSec,
    sendTimeoutSec: site.sendTimeoutSec,
    proxyTimeoutSec: Math.max(site.readTimeoutSec, site.sendTimeoutSec),
    maxBodyMb: site.maxBodyMb,
    responseHeaders,
    upstreamHeaders: [...site.upstreamHeaders].sort(byHeaderName),
    routes,
    apacheLegacyWebsocket: site.websocket && !apacheHasUpgradeParam(agent.proxyVersion),
    apacheSticky: routes.some((r) => r.balancer !== null && r.upstream.policy === 'ip_hash'),
    nginxHeaders: nginxHeaders(site),
  };
}
