import { z } from 'zod';
import { resourceName } from '../../../common/validation/fields.js';
import { acmeDirectory } from './certificate.schema.js';

export const KEY_TYPES = ['ecdsa-p256', 'rsa-2048', 'rsa-4096'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

const policyShape = {
  name: resourceName,
  directory: acmeDirectory.describe(
    'the ACME account to use, by its directory (a preset or URL); the account must exist: its key is a secret and stays out of documents',
  ),
  challenge: z
    .enum(['http-01', 'dns-01'])
    .optional()
    .describe('default http-01; sites with wildcard names need dns-01'),
  keyType: z.enum(KEY_TYPES).optional().describe('key made for each certificate; default ecdsa-p256'),
  autoIssue: z
    .boolean()
    .optional()
    .describe('order a certificate by itself for a placed site that has none; default true'),
};

export const createCertificatePolicySchema = z
  .strictObject(policyShape)
  .meta({ id: 'CreateCertificatePolicy' });
export const updateCertificatePolicySchema = z
  .strictObject({ ...policyShape, version: z.int().min(1).optional() })
  .partial()
  .meta({ id: 'UpdateCertificatePolicy' });

export type CreateCertificatePolicy = z.infer<typeof createCertificatePolicySchema>;
export type UpdateCertificatePolicy = z.infer<typeof updateCertificatePolicySchema>;

export const CERTIFICATE_POLICY_DEFAULTS = {
  challenge: 'http-01',
  keyType: 'ecdsa-p256',
  autoIssue: true,
} as const;
