import { z } from 'zod';
import { hostname, resourceName } from '../../../common/validation/fields.js';

export const createDnsProviderSchema = z.strictObject({
  name: resourceName,
  kind: z.literal('rfc2136').describe('RFC 2136 dynamic updates signed with TSIG'),
  zone: hostname.describe('the zone this provider may update (e.g. example.com)'),
  server: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.:-]+$/, 'must be a host name or IP address'),
  port: z.int().min(1).max(65_535).optional().describe('default 53'),
  tsigKeyName: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9._-]+$/, 'must be a DNS name'),
  tsigAlgorithm: z
    .enum(['hmac-sha256', 'hmac-sha512', 'hmac-sha1'])
    .optional()
    .describe('default hmac-sha256'),
  tsigSecret: z.base64().min(16).describe('base64 TSIG secret (BIND `secret "…"`); never returned'),
});
export type CreateDnsProvider = z.infer<typeof createDnsProviderSchema>;
