import { z } from 'zod';
import { timestamp } from '../../common/http/view-schema.js';

const tokenFields = {
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe('the first characters of the secret: how a token is recognised later'),
  scopes: z.array(z.enum(['read', 'write', 'deploy', 'admin'])),
  userId: z.uuid(),
  createdAt: timestamp,
  expiresAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  lastUsedAt: timestamp.nullable(),
};

/** A token as listed: never its secret, only its prefix, with its owner. */
export const tokenView = z
  .strictObject({ ...tokenFields, user: z.strictObject({ email: z.string() }) })
  .meta({ id: 'ApiToken' });

/** The answer to a token's creation: the one time its secret is shown. */
export const createdTokenView = z
  .strictObject({ ...tokenFields, token: z.string().describe('the secret; shown only here') })
  .meta({ id: 'CreatedApiToken' });

export const tokenListView = z.strictObject({ items: z.array(tokenView) }).meta({ id: 'ApiTokenList' });
