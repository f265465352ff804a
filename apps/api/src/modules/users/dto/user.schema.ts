import { z } from 'zod';

const role = z.enum(['admin', 'operator', 'viewer']);
const password = z.string().min(12, 'must be at least 12 characters').max(1024);

export const createUserSchema = z
  .strictObject({ email: z.email().max(254), password, role: role.optional().describe('default viewer') })
  .meta({ id: 'CreateUser' });
export const updateUserSchema = z
  .strictObject({ password, role, disabled: z.boolean() })
  .partial()
  .meta({ id: 'UpdateUser' });

export type CreateUser = z.infer<typeof createUserSchema>;
export type UpdateUser = z.infer<typeof updateUserSchema>;
