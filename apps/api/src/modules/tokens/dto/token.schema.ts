import { z } from 'zod';
import { PERMISSIONS } from '../../auth/principal.js';

export const createTokenSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[^\x00-\x1f\x7f]*$/, 'must be one line of text'),
    scopes: z
      .array(z.enum(PERMISSIONS))
      .min(1, 'needs at least one scope')
      .refine((s) => new Set(s).size === s.length, 'scopes must be unique'),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .refine((d) => d === undefined || new Date(d) > new Date(), 'must be in the future'),
  })
  .meta({ id: 'CreateToken' });
export type CreateToken = z.infer<typeof createTokenSchema>;
