import { z } from 'zod';
import { pageView, timestamp } from '../../common/http/view-schema.js';
import type { AcmeAccount, Certificate, CertificateOrder } from '../../generated/prisma/client.js';

/** A certificate as the API shows it: the public chain, never the key, with the days left. */
export const certificateView = z
  .strictObject({
    id: z.uuid(),
    domains: z.array(z.string()),
    source: z.enum(['acme', 'uploaded']),
    status: z.enum(['pending', 'valid', 'expired', 'failed', 'revoked']),
    chainPem: z.string().nullable().describe('leaf first, then intermediates'),
    hasKey: z.boolean(),
    issuer: z.string().nullable(),
    serial: z.string().nullable(),
    notBefore: timestamp.nullable(),
    notAfter: timestamp.nullable(),
    daysLeft: z.int().nullable(),
    accountId: z.uuid().nullable(),
    challengeType: z.string().nullable(),
    ariCertId: z.string().nullable(),
    renewAfter: timestamp.nullable(),
    ariCheckAfter: timestamp.nullable(),
    lastRenewalError: z.string().nullable(),
    lastRenewalAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Certificate' });

/** POST /certificates/{id}/revoke: the revoked certificate and the replacement orders it started. */
export const revokedCertificateView = certificateView
  .extend({
    replacements: z.array(
      z.strictObject({ siteId: z.uuid(), orderId: z.uuid().optional(), error: z.string().optional() }),
    ),
  })
  .meta({ id: 'RevokedCertificate' });

export const certificatePageView = pageView(certificateView, 'CertificatePage');

/** An ACME order with its steps: what the CA was asked, and how far it got. */
export const orderView = z
  .strictObject({
    id: z.uuid(),
    certificateId: z.uuid(),
    accountId: z.uuid(),
    kind: z.string().describe('issue, renew or replace'),
    challengeType: z.string(),
    keyType: z.string(),
    domains: z.array(z.string()),
    state: z.enum(['queued', 'prechecking', 'validating', 'finalizing', 'valid', 'failed']),
    orderUrl: z.string().nullable(),
    replaces: z.string().nullable(),
    problem: z
      .looseObject({ type: z.string().optional(), detail: z.string().optional() })
      .nullable()
      .describe("why it failed: an RFC 7807 problem document (the CA's or Portico's own)"),
    steps: z
      .array(z.strictObject({ at: z.string(), step: z.string(), detail: z.unknown().optional() }))
      .describe('each step with its time'),
    attempts: z.int(),
    nextAttemptAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'CertificateOrder' });

export const orderPageView = pageView(orderView, 'CertificateOrderPage');

/** An ACME account: never its key or EAB HMAC. */
export const accountView = z
  .strictObject({
    id: z.uuid(),
    directoryUrl: z.string(),
    email: z.string().nullable(),
    accountUrl: z.string().nullable(),
    eabKid: z.string().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'AcmeAccount' });

export const accountListView = z.array(accountView).meta({ id: 'AcmeAccountList' });

export type CertificateView = z.output<typeof certificateView>;
export type OrderView = z.output<typeof orderView>;
export type AccountView = z.output<typeof accountView>;

export function toCertificateView({ keyEncrypted, ...cert }: Certificate, now = new Date()): CertificateView {
  return {
    ...cert,
    hasKey: keyEncrypted !== null,
    daysLeft: cert.notAfter ? Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000) : null,
  };
}

export function toOrderView({ leaseOwner: _o, leaseUntil: _u, ...order }: CertificateOrder): OrderView {
  // JSON columns hold what the order runner wrote.
  return {
    ...order,
    problem: order.problem as OrderView['problem'],
    steps: order.steps as OrderView['steps'],
  };
}

export function toAccountView({
  keyEncrypted: _k,
  eabHmacEncrypted: _h,
  ...account
}: AcmeAccount): AccountView {
  return account;
}
