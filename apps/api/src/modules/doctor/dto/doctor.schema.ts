import { z } from 'zod';

export const runDoctorSchema = z
  .strictObject({
    streamPath: z
      .string()
      .max(256)
      .regex(/^\/[A-Za-z0-9._~\-/?=&%]*$/, 'must be a path starting with /')
      .optional()
      .describe(
        'a path on the app that streams its answer: STREAMING then also measures it through the proxy',
      ),
    tlsScan: z
      .boolean()
      .optional()
      .describe(
        'run testssl.sh (when installed) for the protocol and cipher summary, ~8 s per agent; default true',
      ),
  })
  .meta({ id: 'RunDoctor' });

export type RunDoctor = z.infer<typeof runDoctorSchema>;
