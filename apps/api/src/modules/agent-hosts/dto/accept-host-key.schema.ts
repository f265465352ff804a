import { z } from 'zod';

export const acceptHostKeySchema = z
  .strictObject({
    fingerprint: z
      .string()
      .regex(
        /^SHA256:[A-Za-z0-9+/]{43}$/,
        'must be an OpenSSH SHA256 fingerprint (SHA256:…, as ssh-keygen -l prints)',
      )
      .describe('the offeredHostKey being accepted; it must match what the host presented'),
  })
  .meta({ id: 'AcceptHostKey' });

export type AcceptHostKey = z.infer<typeof acceptHostKeySchema>;
