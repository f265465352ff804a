import { connect } from 'node:net';
import { describe, expect, it, jest } from '@jest/globals';
import { LoopbackAddress } from '../fixtures/loopback-address.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { reissueTestLeaf } from '../fixtures/tls.js';
import type { RegisteredAgent } from '../fleet/fleet-setup.js';
import { alarmCodes, DoctorBench, statuses, withCode } from './doctor-bench.js';
import { handEdit, legacyHandshake, port80Turns, tls1Turns } from './hand-edit.js';

// Each doctor check of the guide's troubleshooting list broken on purpose on a real nginx host,
// mostly the way it happens in the field: a hand edit on the host, a certificate left to expire,
// an upstream pointed at the wrong side of Docker's port mapping. The doctor must name exactly
// that (code, status, evidence, fix) and nothing else: every other check stays quiet.
jest.setTimeout(120_000);

let bench: DoctorBench;
let edge: RegisteredAgent;

// One host: `*.example.test` resolves to it, so DNS_RESOLVES has nothing to say either.
DoctorBench.forFile('doctor_breakage', ['nginx'], (b) => {
  bench = b;
  edge = b.agent(0);
});

const DAY = 86_400_000;
const siteFile = (name: string) => `nginx/sites/${name}.conf`;

describe('the doctor names each breakage', () => {
  it('HTTP_REDIRECT warns when a hand edit makes port 80 answer 302', async () => {
    const site = await bench.webuiSite();
    const undo = await handEdit(
      edge.host,
      siteFile(site.name),
      (t) => t.replace('return 301 https://', 'return 302 https://'),
      port80Turns(edge.host, site.hostname, 301, 302),
    );
    try {
      const report = await bench.doctor(site.siteId);
      const [redirect] = withCode(report, 'HTTP_REDIRECT');
      expect(redirect?.status).toBe('warn');
      expect(redirect?.message).toMatch(/^temporary redirect 302/);
      expect(redirect?.evidence).toMatchObject({
        status: 302,
        location: redirect?.evidence.expected,
        httpsRedirect: true,
      });
      expect(redirect?.remediation).toContain('CONFIG_DRIFT');
      // The hand edit is named, and nothing else is blamed.
      expect(withCode(report, 'CONFIG_DRIFT')[0]?.evidence.handEdited).toEqual([siteFile(site.name)]);
      expect(alarmCodes(report)).toEqual(['CONFIG_DRIFT', 'HTTP_REDIRECT']);
      expect(report.status).toBe('fail');
    } finally {
      await undo();
    }
    expect(alarmCodes(await bench.doctor(site.siteId))).toEqual([]);
  });

  it('HTTP_REDIRECT fails when a hand edit makes port 80 serve the app instead of redirecting', async () => {
    const site = await bench.webuiSite();
    const undo = await handEdit(
      edge.host,
      siteFile(site.name),
      (t) => t.replace(/return 301 https:[^;]+;/, `proxy_pass http://127.0.0.1:${bench.webui.port};`),
      port80Turns(edge.host, site.hostname, 301, 200),
    );
    try {
      const report = await bench.doctor(site.siteId);
      const [redirect] = withCode(report, 'HTTP_REDIRECT');
      expect(redirect?.status).toBe('fail');
      expect(redirect?.message).toBe('no redirect to HTTPS (HTTP 200)');
      expect(redirect?.evidence).toMatchObject({ status: 200, location: '' });
      expect(redirect?.remediation).toContain(site.hostname);
      expect(alarmCodes(report)).toEqual(['CONFIG_DRIFT', 'HTTP_REDIRECT']);
    } finally {
      await undo();
    }
  });

  it('HTTP_REDIRECT warns when the site itself has its redirect off while TLS is on', async () => {
    const site = await bench.webuiSite({ httpsRedirect: false });
    const report = await bench.doctor(site.siteId);
    const [redirect] = withCode(report, 'HTTP_REDIRECT');
    expect(redirect?.status).toBe('warn');
    expect(redirect?.message).toMatch(/^httpsRedirect is off: port 80 answers HTTP 200/);
    expect(redirect?.evidence).toMatchObject({ status: 200, httpsRedirect: false });
    expect(redirect?.remediation).toContain('turn httpsRedirect on');
    // Deployed as asked: no drift, nothing else wrong, and only a warning overall.
    expect(alarmCodes(report)).toEqual(['HTTP_REDIRECT']);
    expect(report.status).toBe('warn');
  });

  it('ACME_PATH fails when a hand edit drops the challenge location, so the redirect swallows it', async () => {
    const site = await bench.webuiSite();
    const challenge = '/.well-known/acme-challenge/probe';
    const undo = await handEdit(
      edge.host,
      siteFile(site.name),
      (t) => t.replace(/^\s*include \S+\/acme-challenge\.conf;\n/m, ''),
      port80Turns(edge.host, site.hostname, 404, 301, challenge),
    );
    try {
      const report = await bench.doctor(site.siteId);
      const [acme] = withCode(report, 'ACME_PATH');
      expect(acme?.status).toBe('fail');
      expect(acme?.message).toMatch(new RegExp(`^challenge not served: HTTP 301 → https://${site.hostname}`));
      expect(acme?.evidence).toMatchObject({
        status: 301,
        location: expect.stringMatching(/\/\.well-known\/acme-challenge\/portico-doctor-/),
      });
      expect(acme?.remediation).toContain('/.well-known/acme-challenge/');
      // The redirect itself is still right; the edit is what drifted.
      expect(statuses(report, 'HTTP_REDIRECT')).toEqual(['pass']);
      expect(alarmCodes(report)).toEqual(['ACME_PATH', 'CONFIG_DRIFT']);
    } finally {
      await undo();
    }
  });

  it('ACME_PATH fails when a hand edit proxies the challenge path to the app', async () => {
    const site = await bench.webuiSite();
    const challenge = '/.well-known/acme-challenge/probe';
    const undo = await handEdit(
      edge.host,
      siteFile(site.name),
      (t) =>
        t.replace(
          /^\s*include \S+\/acme-challenge\.conf;\n/m,
          `    location ^~ /.well-known/acme-challenge/ { proxy_pass http://127.0.0.1:${bench.webui.port}; }\n`,
        ),
      port80Turns(edge.host, site.hostname, 404, 200, challenge),
    );
    try {
      const report = await bench.doctor(site.siteId);
      const [acme] = withCode(report, 'ACME_PATH');
      expect(acme?.status).toBe('fail');
      expect(acme?.message).toBe(
        'challenge not served: HTTP 200 with something else than the token (proxied to the app?)',
      );
      // What answered instead: the Open WebUI stand-in's echo of the request.
      expect(acme?.evidence.status).toBe(200);
      expect(String(acme?.evidence.body)).toContain('"upstream":"webui"');
      expect(alarmCodes(report)).toEqual(['ACME_PATH', 'CONFIG_DRIFT']);
    } finally {
      await undo();
    }
  });

  it('TLS_PROTOCOLS fails when a hand edit enables TLS 1.0 and 1.1, and those handshakes really work', async () => {
    const site = await bench.webuiSite();
    const port = bench.httpsPort(edge);
    // Portico's own policy: OpenSSL cannot even get a TLS 1.0 or 1.1 handshake.
    expect(await legacyHandshake(edge.host, port, site.hostname, '-tls1')).toBeNull();
    expect(await legacyHandshake(edge.host, port, site.hostname, '-tls1_1')).toBeNull();
    // What an admin pastes from an old guide. With OpenSSL 3, TLS 1.0 also needs SECLEVEL=0.
    const undo = await handEdit(
      edge.host,
      'nginx/snippets/tls.conf',
      (t) =>
        t
          .replace(/ssl_protocols [^;]+;/, 'ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;')
          .replace(/ssl_ciphers [^;]+;/, 'ssl_ciphers DEFAULT:@SECLEVEL=0;'),
      tls1Turns(edge.host, port, site.hostname),
    );
    try {
      expect(await legacyHandshake(edge.host, port, site.hostname, '-tls1_1')).toBe('TLSv1.1');
      const report = await bench.doctor(site.siteId);
      const [protocols] = withCode(report, 'TLS_PROTOCOLS');
      expect(protocols?.status).toBe('fail');
      expect(protocols?.message).toBe('the server accepts TLSv1, TLSv1.1');
      expect(protocols?.evidence.legacyAccepted).toEqual(['TLSv1', 'TLSv1.1']);
      expect(protocols?.remediation).toContain('TLSv1.2 and TLSv1.3');
      // The certificate is as good as before; the snippet is the hand edit.
      for (const code of ['TLS_CHAIN', 'TLS_SAN', 'TLS_EXPIRY'])
        expect(statuses(report, code)).toEqual(['pass']);
      expect(withCode(report, 'CONFIG_DRIFT')[0]?.evidence.handEdited).toEqual(['nginx/snippets/tls.conf']);
      expect(alarmCodes(report)).toEqual(['CONFIG_DRIFT', 'TLS_PROTOCOLS']);
    } finally {
      await undo();
    }
    expect(statuses(await bench.doctor(site.siteId), 'TLS_PROTOCOLS')).toEqual(['pass']);
  });

  it('TLS_EXPIRY warns for a certificate close to its end', async () => {
    const now = Date.now();
    const cert = await bench.certificate(['*.example.test'], {
      validity: { notBefore: new Date(now - DAY), notAfter: new Date(now + 5 * DAY + 3_600_000) },
    });
    const site = await bench.webuiSite({ certificateId: cert.id });
    const report = await bench.doctor(site.siteId);
    const [expiry] = withCode(report, 'TLS_EXPIRY');
    expect(expiry?.status).toBe('warn');
    expect(expiry?.message).toBe('expires in 5 days');
    expect(expiry?.evidence.daysLeft).toBe(5);
    expect(expiry?.remediation).toMatch(/^renew the certificate/);
    expect(alarmCodes(report)).toEqual(['TLS_EXPIRY']);
    expect(report.status).toBe('warn');
  });

  it('TLS_EXPIRY fails for an expired certificate (uploads refuse one, so it expires in place)', async () => {
    const now = Date.now();
    const cert = await bench.certificate(['*.example.test']);
    const expired = reissueTestLeaf(cert.dir, {
      notBefore: new Date(now - 40 * DAY),
      notAfter: new Date(now - 3 * DAY - 3_600_000),
    });
    // Portico will not take an expired certificate...
    const refused = await bench.upload(expired);
    expect([refused.status, refused.body.code, refused.body.details?.reason]).toEqual([
      400,
      'CERTIFICATE_REJECTED',
      'EXPIRED',
    ]);
    // ...so one that was valid at upload runs out while deployed: the same key, past its notAfter.
    await bench.db.query(`UPDATE "Certificate" SET "chainPem" = $1 WHERE id = $2`, [
      expired.chainPem,
      cert.id,
    ]);
    const site = await bench.webuiSite({ certificateId: cert.id });
    const report = await bench.doctor(site.siteId);
    const [expiry] = withCode(report, 'TLS_EXPIRY');
    expect(expiry?.status).toBe('fail');
    expect(expiry?.message).toMatch(/^expired 3 days ago \(/);
    expect(expiry?.evidence.daysLeft).toBe(-3);
    expect(expiry?.remediation).toMatch(/^renew the certificate/);
    // OpenSSL reports CERT_HAS_EXPIRED for the chain too; the chain itself is complete and
    // trusted, so the doctor does not send anyone looking for another CA.
    const [chain] = withCode(report, 'TLS_CHAIN');
    expect([chain?.status, chain?.message]).toEqual([
      'pass',
      'chain complete and trusted; only the leaf is out of date (see TLS_EXPIRY)',
    ]);
    expect(chain?.evidence).toMatchObject({ error: 'CERT_HAS_EXPIRED', outOfDate: [{ index: 0 }] });
    expect(alarmCodes(report)).toEqual(['TLS_EXPIRY']);
    expect(report.status).toBe('fail');
  });

  it('DOCKER_PORT fails live when the configured port is dead and the other port of the pair answers', async () => {
    // Open WebUI described as Docker's default (bridge, 3000) but running on the host network
    // (8080): the desired state is consistent, only the live host shows the mix-up.
    const lease = LoopbackAddress.lease();
    const hostNetwork = await TestUpstream.start({ name: 'host-network', address: lease.address }, 8080);
    try {
      await expect(refused(lease.address, 3000)).resolves.toBe(true);
      const site = await bench.webuiSite({ targetHost: lease.address, port: 3000, hostPort: null });
      const report = await bench.doctor(site.siteId);
      const docker = withCode(report, 'DOCKER_PORT');
      expect(docker.find((c) => !c.agentId)?.status).toBe('pass');
      const live = docker.find((c) => c.agentId === edge.id);
      expect(live?.status).toBe('fail');
      expect(live?.subject).toBe(`http://${lease.address}:3000`);
      expect(live?.evidence).toMatchObject({ configured: 3000, answering: 8080, status: 200 });
      expect(live?.remediation).toMatch(
        /^point the upstream at :8080 \(Docker publishes 3000→8080; host network serves 8080\)/,
      );
      const [upstream] = withCode(report, 'UPSTREAM_FROM_AGENT');
      expect(upstream?.status).toBe('fail');
      expect(upstream?.remediation).toContain('see DOCKER_PORT');
      // WebSocket fails too, for the same reason, and says so instead of blaming the proxy.
      expect(withCode(report, 'WS_UPGRADE')[0]?.remediation).toContain('UPSTREAM_FROM_AGENT');
      expect(alarmCodes(report)).toEqual(['DOCKER_PORT', 'UPSTREAM_FROM_AGENT', 'WS_UPGRADE']);

      // The fix it names works: upstream on 8080, the service on the host network. Either change
      // alone breaks the port rule, so both go in one fleet document (one transaction).
      const alone = await bench.portico.api.patch(`/api/v1/upstreams/${site.upstreamId}`, {
        targets: [{ host: lease.address, port: 8080 }],
      });
      expect(alone.status).toBe(422);
      expect(alone.body.details[0]).toMatchObject({ field: 'targets', reason: 'OPENWEBUI_PORT_MISMATCH' });
      const doc = (await bench.portico.api.get('/api/v1/export')).body;
      const fixed = await bench.portico.api.post('/api/v1/apply', {
        apiVersion: 'portico/v1',
        upstreams: doc.upstreams.map((u: { name: string }) =>
          u.name === site.upstreamName
            ? { ...u, targets: [{ scheme: 'http', host: lease.address, port: 8080, weight: 1 }] }
            : u,
        ),
        services: doc.services.map((s: { name: string; options: Record<string, unknown> }) =>
          s.name === site.serviceName ? { ...s, options: { ...s.options, network: 'host' } } : s,
        ),
      });
      expect(fixed.status).toBe(200);
      await bench.deploy([edge]);
      expect(alarmCodes(await bench.doctor(site.siteId))).toEqual([]);
    } finally {
      await hostNetwork.stop();
      lease.release();
    }
  });
});

/** True when nothing listens on address:port (the connection is refused). */
function refused(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
