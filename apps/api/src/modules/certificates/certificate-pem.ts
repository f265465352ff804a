import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { pemCertificateBlocks } from '../../common/tls/pem.js';
import { uploadRejected } from './certificate-error.js';

/** What Portico stores about a certificate, read from the leaf. */
export interface CertificateFacts {
  /** DNS SANs of the leaf (lower case), or its CN when it has none. */
  domains: string[];
  issuer: string;
  /** Upper-case hex, as `openssl x509 -serial` prints it. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** Leaf + intermediates, normalized PEM, in order. */
  chainPem: string;
}

export function splitPemChain(pem: string): X509Certificate[] {
  const blocks = pemCertificateBlocks(pem);
  if (blocks.length === 0) {
    throw uploadRejected('NOT_A_CERTIFICATE', 'chainPem holds no PEM certificate (BEGIN CERTIFICATE)');
  }
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw uploadRejected('NOT_A_CERTIFICATE', `certificate ${index + 1} in chainPem does not parse`, {
        index,
      });
    }
  });
}

export function sanNames(cert: X509Certificate): string[] {
  const names = (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
  if (names.length > 0) return [...new Set(names)];
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/** `*.example.com` covers exactly one label below example.com, as TLS clients match it. */
export function nameCovers(pattern: string, hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === pattern.slice(2) && !host.startsWith('*');
}

export function uncoveredHostnames(domains: string[], hostnames: string[]): string[] {
  return hostnames.filter((h) => !domains.some((d) => nameCovers(d, h)));
}

export function factsOf(chain: X509Certificate[]): CertificateFacts {
  const leaf = chain[0]!;
  return {
    domains: sanNames(leaf),
    issuer: leaf.issuer.split('\n').join(', '),
    serial: leaf.serialNumber.toUpperCase(),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    chainPem: `${chain.map((c) => c.toString().trim()).join('\n')}\n`,
  };
}

function isSelfSigned(cert: X509Certificate): boolean {
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

function issues(issuer: X509Certificate, subject: X509Certificate): boolean {
  return subject.checkIssued(issuer) !== false && subject.verify(issuer.publicKey);
}

let publicRoots: X509Certificate[] | null = null;
function roots(): X509Certificate[] {
  publicRoots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return publicRoots;
}

export interface InspectOptions {
  now: Date;
  /** A private CA's root: the chain must reach it (uploads from an internal CA). */
  caPem?: string;
}

/**
 * Checks an uploaded chain and key the way a browser and the proxy would, before anything is
 * stored or deployed: the key matches the leaf, the leaf is valid now, each certificate is
 * issued by the next one, and the chain is not missing an intermediate where that is detectable
 * (the last certificate is not a root and neither a public root, the given CA, nor anything in
 * the chain issued it, while it names an issuer URL or the given CA cannot verify it).
 */
export function inspectUpload(chainPem: string, keyPem: string, options: InspectOptions): CertificateFacts {
  const chain = splitPemChain(chainPem);
  const leaf = chain[0]!;
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw uploadRejected('KEY_INVALID', 'keyPem is not an unencrypted PEM private key');
  }
  if (!leaf.checkPrivateKey(key)) {
    throw uploadRejected(
      'KEY_MISMATCH',
      'the private key does not belong to the first certificate of the chain',
      {
        subject: leaf.subject,
      },
    );
  }
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (options.now < notBefore) {
    throw uploadRejected('NOT_YET_VALID', `the certificate is not valid before ${notBefore.toISOString()}`, {
      notBefore: notBefore.toISOString(),
    });
  }
  if (options.now > notAfter) {
    throw uploadRejected('EXPIRED', `the certificate expired at ${notAfter.toISOString()}`, {
      notAfter: notAfter.toISOString(),
    });
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (issues(chain[i + 1]!, chain[i]!)) continue;
    const issuerAt = chain.findIndex((c, j) => j !== i && issues(c, chain[i]!));
    throw uploadRejected(
      'CHAIN_ORDER',
      issuerAt >= 0
        ? `certificate ${i + 1} is issued by certificate ${issuerAt + 1}: order the chain leaf first, then each issuer`
        : `certificate ${i + 2} did not issue certificate ${i + 1} (${chain[i]!.issuer.split('\n').join(', ')})`,
      { index: i + 1 },
    );
  }
  const last = chain[chain.length - 1]!;
  if (!isSelfSigned(last)) {
    const ca = options.caPem ? splitPemChain(options.caPem) : [];
    const anchored = [...ca, ...roots()].some((root) => issues(root, last));
    const names = last.infoAccess?.includes('CA Issuers');
    if (!anchored && (ca.length > 0 || names)) {
      throw uploadRejected(
        'MISSING_INTERMEDIATE',
        `the chain ends at "${last.subject.split('\n').join(', ')}" whose issuer "${last.issuer
          .split('\n')
          .join(', ')}" is not included: append the intermediate certificate(s)`,
        { issuer: last.issuer.split('\n').join(', ') },
      );
    }
  }
  return factsOf(chain);
}
