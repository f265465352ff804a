import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { pemCertificateBlocks } from '../../common/tls/pem.js';

export interface ServedChain {
  /** Subjects in the order the server sent them, leaf first. */
  subjects: string[];
  /** Index of the first certificate that did not issue the one before it, or null when in order. */
  outOfOrderAt: number | null;
}

/**
 * The chain exactly as the server sends it. Node's TLS rebuilds the links by issuer, so a chain
 * served out of order looks fine there; `openssl s_client -showcerts` prints what came on the wire.
 */
export function servedChain(address: string, port: number, servername: string, timeoutMs: number) {
  return new Promise<ServedChain>((resolve, reject) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `${address}:${port}`, '-servername', servername, '-showcerts'],
      { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout) => {
        const certs = pemCertificateBlocks(stdout).map((pem) => new X509Certificate(pem));
        if (certs.length === 0) return reject(error ?? new Error('openssl printed no certificate'));
        const bad = certs.findIndex(
          (cert, i) => i > 0 && !(certs[i - 1] as X509Certificate).checkIssued(cert),
        );
        resolve({
          subjects: certs.map((c) => c.subject.replace(/\n/g, ', ')),
          outOfOrderAt: bad === -1 ? null : bad,
        });
      },
    );
    child.stdin?.end();
  });
}
