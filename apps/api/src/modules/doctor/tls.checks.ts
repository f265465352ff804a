import { X509Certificate } from 'node:crypto';
import { rootCertificates, type SecureVersion, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { isIp, reason } from '../health/http-request.js';
import { chainDates } from './chain-validity.js';
import { check, type DoctorCheck } from './doctor-codes.js';
import type { DoctorAgent } from './doctor-context.js';
import { type ServedChain, servedChain } from './served-chain.js';
import { offeredLegacy, testsslBinary, testsslScan } from './testssl.js';

// Certificate and protocol checks against the certificate the agent actually serves for a name.

interface Handshake {
  ok: boolean;
  error?: string;
  protocol?: string | null;
  cipher?: string;
  authorized?: boolean;
  authorizationError?: string;
  leaf?: X509Certificate;
  presented?: string[];
  /** The chain the client built (leaf first, up to the anchor it found). */
  chain?: X509Certificate[];
}

function handshake(
  agent: DoctorAgent,
  host: string,
  timeoutMs: number,
  options: { ca?: string[]; version?: SecureVersion } = {},
): Promise<Handshake> {
  return new Promise((resolve) => {
    let socket: TLSSocket | undefined;
    const done = (h: Handshake) => {
      clearTimeout(timer);
      socket?.destroy();
      resolve(h);
    };
    const timer = setTimeout(() => done({ ok: false, error: `timeout after ${timeoutMs} ms` }), timeoutMs);
    socket = tlsConnect({
      host: agent.address,
      port: agent.httpsPort,
      servername: isIp(host) ? undefined : host,
      rejectUnauthorized: false,
      ca: options.ca,
      ...(options.version
        ? { minVersion: options.version, maxVersion: options.version, ciphers: 'DEFAULT@SECLEVEL=0' }
        : {}),
    });
    socket.once('secureConnect', () => {
      const s = socket as TLSSocket;
      // Subjects as the server sent them (leaf first); Node rebuilds the links by issuer.
      const presented: string[] = [];
      const chain: X509Certificate[] = [];
      let cert = s.getPeerCertificate(true);
      const seen = new Set<string>();
      while (cert?.fingerprint256 && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        presented.push(String(cert.subject?.CN ?? JSON.stringify(cert.subject)));
        chain.push(new X509Certificate(cert.raw));
        cert = cert.issuerCertificate;
      }
      done({
        ok: true,
        protocol: s.getProtocol(),
        cipher: s.getCipher()?.name,
        authorized: s.authorized,
        authorizationError: s.authorized ? undefined : String(s.authorizationError ?? ''),
        leaf: s.getPeerX509Certificate(),
        presented,
        chain,
      });
    });
    socket.once('error', (error) => done({ ok: false, error: reason(error) }));
  });
}

/** testssl's protocol and preference scan takes ~8 s; a stuck one must not hold the doctor. */
const TESTSSL_TIMEOUT_MS = 60_000;

const MISSING_INTERMEDIATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Verification errors about dates only: the chain may be fine otherwise (see chainDates). */
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * TLS_CHAIN when OpenSSL stopped at a date. A leaf past its notAfter is TLS_EXPIRY's finding, so
 * the chain passes when it is complete and trusted apart from that; an intermediate or root out
 * of date is the chain's own fault. Otherwise the chain is not trusted either, and says so.
 */
function datedChainCheck(h: Handshake, evidence: Record<string, unknown>, extraCa?: string): DoctorCheck {
  const { trustedButForDates, outOfDate } = chainDates(h.chain ?? [], extraCa);
  const withDates = { ...evidence, outOfDate };
  if (!trustedButForDates)
    return check(
      'TLS_CHAIN',
      'fail',
      `chain not trusted (and ${h.authorizationError})`,
      withDates,
      'use a certificate from a public CA (or set HEALTH_TLS_CA_FILE for a private one)',
    );
  const issuers = outOfDate.filter((c) => c.index > 0);
  if (issuers.length === 0)
    return check(
      'TLS_CHAIN',
      'pass',
      'chain complete and trusted; only the leaf is out of date (see TLS_EXPIRY)',
      withDates,
    );
  return check(
    'TLS_CHAIN',
    'fail',
    `the chain has a certificate out of date: ${issuers.map((c) => `${c.subject} (valid ${c.notBefore} to ${c.notAfter})`).join('; ')}`,
    withDates,
    "serve the CA's current intermediate: download the full chain again and upload it",
  );
}

export async function tlsChecks(
  agent: DoctorAgent,
  host: string,
  opts: { timeoutMs: number; warnDays: number; extraCa?: string; scan?: boolean },
): Promise<DoctorCheck[]> {
  const on = (c: DoctorCheck): DoctorCheck => ({
    ...c,
    agentId: agent.spec.id,
    agentName: agent.spec.name,
    subject: host,
  });
  const ca = opts.extraCa ? [...rootCertificates, opts.extraCa] : undefined;
  const h = await handshake(agent, host, opts.timeoutMs, { ca });
  if (!h.ok || !h.leaf) {
    const evidence = { address: `${agent.address}:${agent.httpsPort}`, error: h.error };
    const fix = `check that the proxy listens on ${agent.httpsPort} with the site's certificate`;
    return (['TLS_CHAIN', 'TLS_SAN', 'TLS_EXPIRY', 'TLS_PROTOCOLS'] as const).map((code) =>
      on(check(code, 'fail', `no TLS handshake: ${h.error}`, evidence, fix)),
    );
  }
  const leaf = h.leaf;
  const checks: DoctorCheck[] = [];
  const served: ServedChain | { error: string } = await servedChain(
    agent.address,
    agent.httpsPort,
    host,
    opts.timeoutMs,
  ).catch((error: unknown) => ({ error: reason(error) }));
  const chainEvidence = {
    presented: h.presented,
    served,
    authorized: h.authorized,
    error: h.authorizationError ?? null,
  };
  const misordered = 'outOfOrderAt' in served && served.outOfOrderAt !== null ? served.outOfOrderAt : null;
  if (misordered !== null)
    checks.push(
      on(
        check(
          'TLS_CHAIN',
          'fail',
          `chain out of order: certificate ${misordered + 1} (${served && 'subjects' in served ? served.subjects[misordered] : '?'}) did not issue the one before it`,
          chainEvidence,
          'serve the leaf first, then each intermediate in turn (each issuing the one before), without the root',
        ),
      ),
    );
  else if (h.authorized)
    checks.push(on(check('TLS_CHAIN', 'pass', 'chain complete and trusted', chainEvidence)));
  else if (OUT_OF_DATE.has(h.authorizationError ?? ''))
    checks.push(on(datedChainCheck(h, chainEvidence, opts.extraCa)));
  else if (MISSING_INTERMEDIATE.has(h.authorizationError ?? ''))
    checks.push(
      on(
        check(
          'TLS_CHAIN',
          'fail',
          `chain incomplete: ${h.authorizationError}`,
          chainEvidence,
          'serve the full chain (leaf, then every intermediate): upload fullchain.pem, not cert.pem',
        ),
      ),
    );
  else
    checks.push(
      on(
        check(
          'TLS_CHAIN',
          'fail',
          `chain not trusted: ${h.authorizationError}`,
          chainEvidence,
          'use a certificate from a public CA (or set HEALTH_TLS_CA_FILE for a private one)',
        ),
      ),
    );

  const sans = leaf.subjectAltName ?? '';
  const named = leaf.checkHost(host) !== undefined;
  checks.push(
    on(
      named
        ? check('TLS_SAN', 'pass', `certificate names ${host}`, { subjectAltName: sans })
        : check(
            'TLS_SAN',
            'fail',
            `certificate does not name ${host} (${sans || leaf.subject})`,
            { subjectAltName: sans, subject: leaf.subject },
            `issue or upload a certificate whose SANs include ${host}`,
          ),
    ),
  );

  const msLeft = Date.parse(leaf.validTo) - Date.now();
  // Whole days as people count them, both ways: 5.9 days left is 5, 3.1 days ago is 3 (not 4).
  const days = Math.trunc(msLeft / 86_400_000) || 0;
  const notAfter = new Date(leaf.validTo).toISOString();
  const expiry = { notAfter, daysLeft: days };
  const renew = 'renew the certificate (ACME sites renew themselves; check GET /api/v1/certificate-orders)';
  const ago = -days;
  checks.push(
    on(
      msLeft <= 0
        ? check(
            'TLS_EXPIRY',
            'fail',
            `expired ${ago === 0 ? 'today' : `${ago} day${ago === 1 ? '' : 's'} ago`} (${notAfter})`,
            expiry,
            renew,
          )
        : days < opts.warnDays
          ? check('TLS_EXPIRY', 'warn', `expires in ${days} days`, expiry, renew)
          : check('TLS_EXPIRY', 'pass', `${days} days left`, expiry),
    ),
  );

  const old: string[] = [];
  for (const version of ['TLSv1', 'TLSv1.1'] as const) {
    const legacy = await handshake(agent, host, opts.timeoutMs, { version });
    if (legacy.ok) old.push(version);
  }
  const protocols: Record<string, unknown> = {
    negotiated: h.protocol,
    cipher: h.cipher,
    legacyAccepted: old,
  };
  if (opts.scan && testsslBinary()) {
    try {
      const summary = await testsslScan(agent.address, agent.httpsPort, host, TESTSSL_TIMEOUT_MS);
      protocols.testssl = summary;
      for (const id of summary ? offeredLegacy(summary) : []) if (!old.includes(id)) old.push(id);
    } catch (error) {
      protocols.testssl = { error: reason(error) };
    }
  }
  checks.push(
    on(
      old.length === 0
        ? check('TLS_PROTOCOLS', 'pass', `TLS 1.0/1.1 refused; ${h.protocol} with ${h.cipher}`, protocols)
        : check(
            'TLS_PROTOCOLS',
            'fail',
            `the server accepts ${old.join(', ')}`,
            protocols,
            'allow only TLSv1.2 and TLSv1.3 (Portico’s tls snippet does; a host-wide ssl_protocols may override it)',
          ),
    ),
  );
  return checks;
}
