import { X509Certificate } from 'node:crypto';
import { pemCertificateBlocks } from '../../common/tls/pem.js';
import type { FleetIndex } from './fleet-index.js';
import type { CertificateSpec, SiteSpec } from './fleet-state.js';
import { RenderError } from './render-error.js';

export interface CertificateChain {
  /** Leaf then intermediates, normalized PEM. */
  fullchain: string;
  /** Intermediates only; null for a self-signed or leaf-only chain. */
  intermediates: string | null;
  /** The leaf names an OCSP responder and its issuer is in the chain: stapling can work. */
  stapling: boolean;
}

export type SiteTls =
  | { state: 'off' }
  /** ACME order not issued yet: serve HTTP (with the challenge path) until it is. */
  | { state: 'pending' }
  | { state: 'active'; certificate: CertificateSpec; chain: CertificateChain };

const chains = new WeakMap<CertificateSpec, CertificateChain>();

export function certificateChain(certificate: CertificateSpec): CertificateChain {
  const cached = chains.get(certificate);
  if (cached) return cached;
  const blocks = pemCertificateBlocks(certificate.chainPem ?? '');
  let ocsp = false;
  try {
    if (blocks.length === 0) throw new Error('no PEM certificate block');
    for (const block of blocks) new X509Certificate(block);
    ocsp = /OCSP - URI:/.test(new X509Certificate(blocks[0] as string).infoAccess ?? '');
  } catch (error) {
    throw new RenderError(
      'TLS_CERTIFICATE_INVALID',
      `certificate ${certificate.id} is not a PEM X.509 chain: ${(error as Error).message}`,
      { certificateId: certificate.id },
    );
  }
  const normalized = blocks.map((b) => `${b.replace(/\r\n/g, '\n').trim()}\n`);
  const chain: CertificateChain = {
    fullchain: normalized.join(''),
    intermediates: normalized.length > 1 ? normalized.slice(1).join('') : null,
    stapling: ocsp && normalized.length > 1,
  };
  chains.set(certificate, chain);
  return chain;
}

/** What a site serves on 443, refusing TLS that has nothing to serve. */
export function siteTls(index: FleetIndex, site: SiteSpec): SiteTls {
  if (site.tlsMode === 'off') return { state: 'off' };
  const certificate = site.certificateId ? index.certificate(site.certificateId) : undefined;
  if (site.tlsMode === 'acme' && (site.certificateId === null || certificate?.chainPem === null)) {
    return { state: 'pending' };
  }
  if (!certificate?.chainPem) {
    const why = !site.certificateId
      ? 'no certificate is attached'
      : !certificate
        ? `certificate ${site.certificateId} does not exist`
        : `certificate ${site.certificateId} has no chain yet`;
    throw new RenderError('TLS_CERTIFICATE_MISSING', `site ${site.name}: TLS is ${site.tlsMode} but ${why}`, {
      site: site.name,
      certificateId: site.certificateId,
    });
  }
  return { state: 'active', certificate, chain: certificateChain(certificate) };
}
