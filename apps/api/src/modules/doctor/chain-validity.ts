import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { pemCertificateBlocks } from '../../common/tls/pem.js';

export interface OutOfDate {
  /** 0 is the leaf. */
  index: number;
  subject: string;
  notBefore: string;
  notAfter: string;
}

/**
 * OpenSSL reports one verification error, and an expired certificate hides whether the chain
 * would otherwise be trusted. This answers that without the clock: each certificate is issued and
 * signed by the next, and the last is one of the trusted roots (the public ones plus `extraCa`).
 * `chain` is what the TLS client built, leaf first, ending at the anchor it found.
 */
export function chainDates(
  chain: X509Certificate[],
  extraCa: string | undefined,
  now = Date.now(),
): { trustedButForDates: boolean; outOfDate: OutOfDate[] } {
  const linked = chain.every((cert, i) => {
    const issuer = chain[i + 1] ?? cert;
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  });
  const last = chain.at(-1);
  const anchors = new Set(
    [...rootCertificates, ...pemCertificateBlocks(extraCa ?? '')].map(
      (pem) => new X509Certificate(pem).fingerprint256,
    ),
  );
  const outOfDate = chain.flatMap((cert, index) =>
    now > Date.parse(cert.validTo) || now < Date.parse(cert.validFrom)
      ? [
          {
            index,
            subject: cert.subject.replace(/\n/g, ', '),
            notBefore: new Date(cert.validFrom).toISOString(),
            notAfter: new Date(cert.validTo).toISOString(),
          },
        ]
      : [],
  );
  return {
    trustedButForDates: chain.length > 0 && linked && last !== undefined && anchors.has(last.fingerprint256),
    outOfDate,
  };
}
