import { z } from 'zod';
import { pageView, timestamp } from '../../common/http/view-schema.js';

const status = z.enum(['unknown', 'up', 'degraded', 'down']);
const subjectType = z.string().describe('site, upstream, agent or certificate');

/** The latest probe result of a check (kept in memory and Redis, not stored). */
const latestView = z
  .strictObject({
    checkKey: z.string(),
    at: z.string(),
    status,
    outcome: z.enum(['ok', 'warn', 'fail']),
    latencyMs: z.number(),
    message: z.string(),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'ProbeResult' });

export const healthItemView = z
  .strictObject({
    checkKey: z.string(),
    subjectType,
    subjectId: z.string(),
    status,
    since: timestamp,
    detail: z.unknown(),
    latest: latestView.nullable(),
  })
  .meta({ id: 'HealthItem' });

export const healthCurrentView = z
  .strictObject({ items: z.array(healthItemView) })
  .meta({ id: 'HealthCurrent' });

export const healthEventView = z
  .strictObject({
    id: z.uuid(),
    checkKey: z.string(),
    subjectType,
    subjectId: z.string(),
    from: status,
    to: status,
    at: timestamp,
    detail: z.unknown(),
  })
  .meta({ id: 'HealthTransition' });

export const healthEventPageView = pageView(healthEventView, 'HealthTransitionPage');

/** Each check of one subject with its recent samples (the last 120 results). */
export const healthHistoryView = z
  .strictObject({
    items: z.array(
      z.strictObject({
        checkKey: z.string(),
        status,
        samples: z.array(
          z
            .strictObject({
              at: z.string(),
              latencyMs: z.number(),
              outcome: z.enum(['ok', 'warn', 'fail']),
              status,
            })
            .meta({ id: 'HealthSample' }),
        ),
      }),
    ),
  })
  .meta({ id: 'HealthHistory' });

/** This instance's share of the checks and its scheduler figures. */
export const healthRuntimeView = z
  .strictObject({
    instance: z.string(),
    enabled: z.boolean(),
    members: z.array(z.string()),
    planned: z.int(),
    owned: z.int(),
    ownedKeys: z.array(z.string()),
    scheduler: z.strictObject({
      checks: z.int(),
      running: z.int(),
      waiting: z.int(),
      runs: z.int(),
      onTime: z.int(),
      skipped: z.int(),
      maxLatenessMs: z.number(),
    }),
    memoryMiB: z.strictObject({
      rss: z.number(),
      heapUsed: z.number(),
      external: z.number(),
      arrayBuffers: z.number(),
    }),
  })
  .meta({ id: 'HealthRuntime' });
