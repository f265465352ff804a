import { z } from 'zod';
import { timestamp } from '../../common/http/view-schema.js';

/** A user as admins see it: never the password hash. */
export const userView = z
  .strictObject({
    id: z.uuid(),
    email: z.string(),
    role: z.enum(['admin', 'operator', 'viewer']),
    disabled: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'User' });

export const userListView = z.strictObject({ items: z.array(userView) }).meta({ id: 'UserList' });
