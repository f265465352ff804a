import { z } from 'zod';
import { labels, port, resourceName, targetHost } from '../../../common/validation/fields.js';

export const upstreamTargetSchema = z.strictObject({
  scheme: z.enum(['http', 'https']).optional().describe('default http'),
  host: targetHost,
  port,
  weight: z.int().min(1).max(100).optional().describe('default 1'),
});

const upstreamShape = {
  name: resourceName,
  kind: z
    .enum(['generic', 'ollama', 'openwebui'])
    .optional()
    .describe('ollama and openwebui enable app-specific probes and checks; default generic'),
  policy: z.enum(['round_robin', 'least_conn', 'ip_hash']).optional().describe('default round_robin'),
  keepalive: z
    .int()
    .min(0)
    .max(1024)
    .optional()
    .describe('idle upstream connections kept per worker; default 16'),
  targets: z
    .array(upstreamTargetSchema)
    .min(1, 'needs at least one target')
    .max(64)
    .refine(
      (ts) => new Set(ts.map((t) => `${t.host}:${t.port}`)).size === ts.length,
      'targets must be unique by host:port',
    )
    // One upstream block speaks one protocol to its members (nginx proxy_pass names it once).
    .refine(
      (ts) => new Set(ts.map((t) => t.scheme ?? 'http')).size === 1,
      'targets must all use the same scheme (http or https)',
    ),
  probeFrom: z
    .enum(['portico', 'agents'])
    .optional()
    .describe(
      'where health probes of the targets run: portico, or agents — from every agent that routes to this upstream, over its SSH connection, for targets only the agent can reach; default portico',
    ),
  labels: labels.optional(),
};

export const createUpstreamSchema = z.strictObject(upstreamShape).meta({ id: 'CreateUpstream' });
export const updateUpstreamSchema = z
  .strictObject({ ...upstreamShape, version: z.int().min(1).optional() })
  .partial()
  .meta({ id: 'UpdateUpstream' });

export type CreateUpstream = z.infer<typeof createUpstreamSchema>;
export type UpdateUpstream = z.infer<typeof updateUpstreamSchema>;

export const UPSTREAM_DEFAULTS = {
  kind: 'generic',
  policy: 'round_robin',
  keepalive: 16,
  probeFrom: 'portico',
  labels: {},
} as const;
