import { z } from 'zod';
import { timestamp } from '../../common/http/view-schema.js';

const role = z.enum(['admin', 'operator', 'viewer']);

/** POST /auth/login: who logged in and until when (the session itself is the cookie). */
export const loginView = z
  .strictObject({
    user: z.strictObject({ id: z.uuid(), email: z.string(), role }),
    expiresAt: timestamp,
  })
  .meta({ id: 'LoginResult' });

/** GET /auth/me: the caller, how it authenticated, and what it may do. */
export const meView = z
  .strictObject({
    id: z.uuid(),
    email: z.string(),
    role,
    via: z.enum(['session', 'token']),
    permissions: z.array(z.enum(['read', 'write', 'deploy', 'admin'])),
  })
  .meta({ id: 'Me' });
