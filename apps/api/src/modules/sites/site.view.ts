import { z } from 'zod';
import { desiredStateFields } from '../../common/http/view-schema.js';
import type { SiteRow } from './sites.repository.js';

const headerView = z.strictObject({ name: z.string(), value: z.string() }).meta({ id: 'HeaderView' });

/** The API's shape of a site: references by name (stable across exports), ids alongside. */
export const siteView = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    hostnames: z.array(z.string()),
    tlsMode: z.enum(['off', 'acme', 'uploaded']),
    certificateId: z.uuid().nullable(),
    certificatePolicyId: z.uuid().nullable(),
    certificatePolicy: z.string().nullable().describe('name of the certificate policy'),
    httpsRedirect: z.boolean(),
    hsts: z.boolean(),
    websocket: z.boolean(),
    readTimeoutSec: z.int(),
    sendTimeoutSec: z.int(),
    maxBodyMb: z.int(),
    responseHeaders: z.array(headerView),
    upstreamHeaders: z.array(headerView),
    routes: z.array(
      z
        .strictObject({
          pathPrefix: z.string(),
          upstream: z.string(),
          upstreamId: z.uuid(),
          streaming: z.boolean(),
        })
        .meta({ id: 'RouteView' }),
    ),
    agents: z.array(z.string()).describe('names of the agents serving the site'),
    ...desiredStateFields,
  })
  .meta({ id: 'Site' });

export type SiteView = z.output<typeof siteView>;

export function toSiteView(site: SiteRow): SiteView {
  const { hostnames, routes, placements, certificatePolicy, ...fields } = site;
  return {
    ...fields,
    // JSON columns hold what the site's write path validated.
    responseHeaders: fields.responseHeaders as SiteView['responseHeaders'],
    upstreamHeaders: fields.upstreamHeaders as SiteView['upstreamHeaders'],
    labels: fields.labels as SiteView['labels'],
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
