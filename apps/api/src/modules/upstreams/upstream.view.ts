import { z } from 'zod';
import { desiredStateFields } from '../../common/http/view-schema.js';

/** An upstream as stored: its targets in order, the balancing policy, where it is probed from. */
export const upstreamView = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(['generic', 'ollama', 'openwebui']),
    policy: z.enum(['round_robin', 'least_conn', 'ip_hash']),
    keepalive: z.int(),
    targets: z.array(
      z
        .strictObject({
          scheme: z.enum(['http', 'https']).optional(),
          host: z.string(),
          port: z.int(),
          weight: z.int().optional(),
        })
        .meta({ id: 'UpstreamTargetView' }),
    ),
    probeFrom: z.enum(['portico', 'agents']),
    ...desiredStateFields,
  })
  .meta({ id: 'Upstream' });

export type UpstreamView = z.output<typeof upstreamView>;
