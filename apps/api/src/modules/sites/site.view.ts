import type { SiteRow } from './sites.repository.js';

/** The API's shape of a site: references by name (stable across exports), ids alongside. */
export function toSiteView(site: SiteRow) {
  const { hostnames, routes, placements, certificatePolicy, ...fields } = site;
  return {
    ...fields,
    certificatePolicy: certificatePolicy?.name ?? null,
    hostnames: hostnames.map((h) => h.hostname),
    routes: routes.map((r) => ({
      pathPrefix: r.pathPrefix,
      upstream: r.upstream.name,
      upstreamId: r.upstreamId,
      streaming: r.streaming,
    })),
    agents: placements.map((p) => p.agent.name).sort(),
  };
}

export type SiteView = ReturnType<typeof toSiteView>;
