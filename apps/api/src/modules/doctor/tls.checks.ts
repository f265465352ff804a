import type { X509Certificate } from 'node:crypto';
import { rootCertificates, type SecureVersion, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { isIp, reason } from '../health/http-request.js';
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
      let cert = s.getPeerCertificate(true);
      const seen = new Set<string>();
      while (cert?.fingerprint256 && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        presented.push(String(cert.subject?.CN ?? JSON.stringify(cert.subject)));
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

  const days = Math.floor((Date.parse(leaf.validTo) - Date.now()) / 86_400_000);
  const expiry = { notAfter: new Date(leaf.validTo).toISOString(), daysLeft: days };
  const renew = 'renew the certificate (ACME sites renew themselves; check GET /api/v1/certificate-orders)';
  checks.push(
    on(
      days < 0
        ? check('TLS_EXPIRY', 'fail', `expired ${-days} days ago`, expiry, renew)
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
