import { z } from 'zod';
import { pageSchema } from '../../../common/http/page.js';

const subject = {
  subjectType: z.enum(['site', 'upstream', 'agent']).optional(),
  subjectId: z.string().max(64).optional(),
};

export const healthQuery = z.strictObject(subject);
export type HealthQuery = z.infer<typeof healthQuery>;

export const healthEventsQuery = pageSchema.extend({ ...subject, checkKey: z.string().max(300).optional() });
export type HealthEventsQuery = z.infer<typeof healthEventsQuery>;

export const healthHistoryQuery = z.strictObject({
  subjectType: z.enum(['site', 'upstream', 'agent']),
  subjectId: z.string().min(1).max(64),
});
export type HealthHistoryQuery = z.infer<typeof healthHistoryQuery>;
