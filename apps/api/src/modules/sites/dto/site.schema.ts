import { z } from 'zod';
import {
  header,
  hostname,
  labels,
  pathPrefix,
  resourceName,
  timeoutSec,
} from '../../../common/validation/fields.js';

export const routeSchema = z.strictObject({
  pathPrefix,
  upstream: resourceName.describe('name of the upstream this path is proxied to'),
  streaming: z
    .boolean()
    .optional()
    .describe('deliver responses as they arrive (LLM token streams, SSE); default false'),
});

const unique = <T>(key: (t: T) => string, message: string) =>
  [(items: T[]) => new Set(items.map(key)).size === items.length, message] as const;

const siteShape = {
  name: resourceName,
  hostnames: z
    .array(hostname)
    .min(1, 'needs at least one hostname')
    .max(100)
    .refine(...unique((h: string) => h, 'hostnames must be unique')),
  tlsMode: z.enum(['off', 'acme', 'uploaded']).optional().describe('default off'),
  certificateId: z.uuid().nullable().optional().describe('certificate to serve when tlsMode is uploaded'),
  certificatePolicy: resourceName
    .nullable()
    .optional()
    .describe(
      'name of the certificate policy (ACME account, challenge, key type) used when tlsMode is acme; default none: the only ACME account, http-01',
    ),
  httpsRedirect: z.boolean().optional().describe('301 from http to https when TLS is on; default true'),
  hsts: z.boolean().optional().describe('send Strict-Transport-Security; default false'),
  websocket: z.boolean().optional().describe('pass WebSocket upgrades through; default true'),
  readTimeoutSec: timeoutSec.optional().describe('default 3600 so long LLM streams are not cut'),
  sendTimeoutSec: timeoutSec.optional().describe('default 3600'),
  maxBodyMb: z
    .int()
    .min(0)
    .max(102_400)
    .optional()
    .describe('request body limit in MiB, 0 = unlimited; default 100'),
  responseHeaders: z
    .array(header)
    .max(32)
    .refine(...unique((h: { name: string }) => h.name.toLowerCase(), 'header names must be unique'))
    .optional(),
  upstreamHeaders: z
    .array(header)
    .max(32)
    .refine(...unique((h: { name: string }) => h.name.toLowerCase(), 'header names must be unique'))
    .optional(),
  routes: z
    .array(routeSchema)
    .min(1, 'needs at least one route')
    .max(100)
    .refine(...unique((r: { pathPrefix: string }) => r.pathPrefix, 'route path prefixes must be unique')),
  agents: z
    .array(resourceName)
    .max(1000)
    .refine(...unique((a: string) => a, 'agents must be unique'))
    .optional()
    .describe('names of the agents that serve this site'),
  labels: labels.optional(),
};

export const createSiteSchema = z.strictObject(siteShape).meta({ id: 'CreateSite' });
export const updateSiteSchema = z
  .strictObject({ ...siteShape, version: z.int().min(1).optional() })
  .partial()
  .meta({ id: 'UpdateSite' });

export type CreateSite = z.infer<typeof createSiteSchema>;
export type UpdateSite = z.infer<typeof updateSiteSchema>;

export const SITE_DEFAULTS = {
  tlsMode: 'off',
  certificateId: null,
  certificatePolicy: null,
  httpsRedirect: true,
  hsts: false,
  websocket: true,
  readTimeoutSec: 3600,
  sendTimeoutSec: 3600,
  maxBodyMb: 100,
  responseHeaders: [] as { name: string; value: string }[],
  upstreamHeaders: [] as { name: string; value: string }[],
  agents: [] as string[],
  labels: {},
} as const;
