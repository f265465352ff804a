import { z } from 'zod';
import { pageView, timestamp } from '../../common/http/view-schema.js';

/** One audit record: who did what to which object, with snapshots around it (secrets removed). */
export const auditEventView = z
  .strictObject({
    id: z.uuid(),
    at: timestamp,
    actorType: z.string(),
    actorId: z.string().nullable(),
    actorLabel: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    before: z.unknown().describe('the object before the change, secrets removed'),
    after: z.unknown().describe('the object after the change, secrets removed'),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });

export const auditPageView = pageView(auditEventView, 'AuditEventPage');
