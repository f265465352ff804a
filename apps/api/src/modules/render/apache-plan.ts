import type { RoutePlan, SitePlan } from './site-plan.js';

/** Apache caps LimitRequestBody at 2 GiB; larger limits are written as the cap. */
const APACHE_MAX_BODY = 2_147_483_647;

export interface ApacheRoutePlan {
  route: RoutePlan;
  /** Worker parameters Portico chooses (never user text), with a leading space. */
  workerParams: string;
  lbmethod: 'byrequests' | 'bybusyness';
  sticky: boolean;
  wsScheme: 'ws' | 'wss';
}

/** The Apache-only facts about a site that would be logic in the template otherwise. */
export interface ApacheSitePlan {
  /** ServerName cannot be a wildcard: the first plain hostname, or a placeholder. */
  serverName: string;
  /** Every other hostname (wildcards included). */
  aliases: string[];
  maxBodyBytes: number;
  httpsUpstream: boolean;
  routes: ApacheRoutePlan[];
  /** Shortest prefix first, so the most specific <Location> is merged last and wins. */
  hostLocations: RoutePlan[];
}

export function apacheSitePlan(site: SitePlan): ApacheSitePlan {
  const routes = site.routes.map((route) => {
    const params = [
      route.upstream.keepalive === 0 ? 'disablereuse=On' : '',
      site.websocket && !site.apacheLegacyWebsocket ? 'upgrade=websocket' : '',
      route.streaming ? 'flushpackets=on' : '',
    ].filter(Boolean);
    return {
      route,
      workerParams: params.map((p) => ` ${p}`).join(''),
      lbmethod: route.upstream.policy === 'least_conn' ? ('bybusyness' as const) : ('byrequests' as const),
      sticky: route.upstream.policy === 'ip_hash',
      wsScheme: route.upstream.scheme === 'https' ? ('wss' as const) : ('ws' as const),
    };
  });
  const needsHost = site.routes.some((r) => r.hostHeader !== null);
  const serverName = site.hostnames.find((h) => !h.includes('*')) ?? `${site.name}.invalid`;
  return {
    serverName,
    aliases: site.hostnames.filter((h) => h !== serverName),
    maxBodyBytes: Math.min(site.maxBodyMb * 1024 * 1024, APACHE_MAX_BODY),
    httpsUpstream: site.routes.some((r) => r.upstream.scheme === 'https'),
    routes,
    hostLocations: needsHost ? [...site.routes].reverse() : [],
  };
}
