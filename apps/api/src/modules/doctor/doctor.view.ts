import { z } from 'zod';
import { DOCTOR_CODES } from './doctor-codes.js';

const status = z.enum(['pass', 'warn', 'fail', 'skip']);

/** POST /sites/{id}/doctor: every check with a stable code, what was seen and what to change. */
export const doctorReportView = z
  .strictObject({
    siteId: z.uuid(),
    siteName: z.string(),
    revision: z.int(),
    checkedAt: z.string(),
    durationMs: z.int(),
    status: z.enum(['pass', 'warn', 'fail']),
    counts: z.strictObject({ pass: z.int(), warn: z.int(), fail: z.int(), skip: z.int() }),
    checks: z.array(
      z
        .strictObject({
          code: z.enum(DOCTOR_CODES),
          status,
          message: z.string(),
          agentId: z.uuid().optional(),
          agentName: z.string().optional(),
          subject: z.string().optional().describe('a hostname, a route prefix, an upstream target'),
          evidence: z.record(z.string(), z.unknown()),
          remediation: z.string().nullable(),
        })
        .meta({ id: 'DoctorCheck' }),
    ),
  })
  .meta({ id: 'DoctorReport' });
