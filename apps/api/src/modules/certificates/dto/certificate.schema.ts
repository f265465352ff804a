import { z } from 'zod';

const pem = z.string().min(1).max(200_000);

export const uploadCertificateSchema = z.strictObject({
  chainPem: pem.describe('leaf certificate first, then each intermediate, PEM'),
  keyPem: pem.describe('unencrypted PEM private key of the leaf; stored sealed, never returned'),
  caPem: pem.optional().describe("a private CA's root: the chain must reach it"),
  siteId: z
    .uuid()
    .optional()
    .describe('attach to this site (tlsMode uploaded) after checking its hostnames are covered'),
});
export type UploadCertificate = z.infer<typeof uploadCertificateSchema>;

export const orderCertificateSchema = z.strictObject({
  siteId: z.uuid(),
  accountId: z.uuid().optional().describe('default: the only ACME account'),
  challenge: z
    .enum(['http-01', 'dns-01'])
    .optional()
    .describe('default http-01; wildcard names always use dns-01'),
});
export type OrderCertificate = z.infer<typeof orderCertificateSchema>;

export const revokeCertificateSchema = z.strictObject({
  reason: z
    .enum(['unspecified', 'keyCompromise', 'superseded', 'cessationOfOperation'])
    .optional()
    .describe('default unspecified'),
  replace: z
    .boolean()
    .optional()
    .describe(
      'order a replacement with a new key for every ACME site using it; default true for keyCompromise',
    ),
});
export type RevokeCertificate = z.infer<typeof revokeCertificateSchema>;

export const acmeDirectory = z.union([
  z.enum(['letsencrypt', 'letsencrypt-staging']),
  z.url({ protocol: /^https?$/ }).max(2048),
]);

export const createAcmeAccountSchema = z.strictObject({
  directory: acmeDirectory.describe('a preset or any ACME directory URL'),
  email: z.email().optional(),
  termsOfServiceAgreed: z.literal(true).describe("you agree to the CA's terms of service"),
  eab: z
    .strictObject({ kid: z.string().min(1).max(512), hmacKey: z.string().min(1).max(512) })
    .optional()
    .describe('External Account Binding from the CA; the HMAC key is stored sealed'),
});
export type CreateAcmeAccount = z.infer<typeof createAcmeAccountSchema>;
