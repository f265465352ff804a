import type { AcmeAccount, Certificate, CertificateOrder } from '../../generated/prisma/client.js';

/** A certificate as the API shows it: never the key, with the days left computed. */
export function toCertificateView({ keyEncrypted, ...cert }: Certificate, now = new Date()) {
  return {
    ...cert,
    hasKey: keyEncrypted !== null,
    daysLeft: cert.notAfter ? Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000) : null,
  };
}

export function toOrderView({ leaseOwner: _o, leaseUntil: _u, ...order }: CertificateOrder) {
  return order;
}

export function toAccountView({ keyEncrypted: _k, eabHmacEncrypted: _h, ...account }: AcmeAccount) {
  return account;
}
