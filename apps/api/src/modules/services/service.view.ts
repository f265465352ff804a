import { z } from 'zod';
import { desiredStateFields } from '../../common/http/view-schema.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { serviceOptionsSchema } from './dto/service.schema.js';

export const SERVICE_INCLUDE = { placements: { include: { agent: { select: { name: true } } } } } as const;
type ServiceRow = Prisma.ServiceGetPayload<{ include: typeof SERVICE_INCLUDE }>;

/** A service (one systemd unit) with the names of the agents it runs on. */
export const serviceView = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(['generic', 'ollama', 'openwebui']),
    description: z.string(),
    execStart: z.string().nullable(),
    image: z.string().nullable(),
    environment: z.record(z.string(), z.string()),
    user: z.string().nullable(),
    restart: z.enum(['no', 'always', 'on_failure', 'on_abnormal']),
    options: serviceOptionsSchema,
    agents: z.array(z.string()),
    ...desiredStateFields,
  })
  .meta({ id: 'Service' });

export type ServiceView = z.output<typeof serviceView>;

export function toServiceView({ placements, ...service }: ServiceRow): ServiceView {
  return {
    ...service,
    // JSON columns hold what the service's write path validated.
    environment: service.environment as ServiceView['environment'],
    options: service.options as ServiceView['options'],
    labels: service.labels as ServiceView['labels'],
    agents: placements.map((p) => p.agent.name).sort(),
  };
}
