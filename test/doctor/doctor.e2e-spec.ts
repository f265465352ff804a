import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { testsslBinary } from '../../apps/api/src/modules/doctor/testssl.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { createTestPki } from '../fixtures/tls.js';
import { deploy, type RegisteredAgent, targetOf } from '../fleet/fleet-setup.js';
import { REPO_ROOT } from '../support/built-app.js';
import { uniqueName } from '../support/factories.js';
import { createToken, loginAsEveryRole } from '../support/role-clients.js';
import {
  alarms,
  DoctorBench,
  type DoctorCheckView,
  notPassed,
  OPEN_WEBUI_CODES,
  withCode,
} from './doctor-bench.js';
import { OllamaStandIn } from './ollama-stand-in.js';

// The doctor against real hosts: an Open WebUI-like site deployed by Portico to real nginx over
// real sshd, its names in a real BIND, its certificate from a test PKI. Healthy first (no false
// alarms), then each failure of the troubleshooting guide made on purpose.
// A testssl scan per agent on a loaded 2-core machine can take a minute.
jest.setTimeout(240_000);

let bench: DoctorBench;
let edge: RegisteredAgent;
let spare: RegisteredAgent;
let wrongCert: string;

DoctorBench.forFile('doctor', ['nginx', 'nginx'], async (b) => {
  bench = b;
  [edge, spare] = [b.agent(0), b.agent(1)];
  wrongCert = (await b.certificate(['other.invalid'])).id;
});

/** The installed `portico` bin as a child process. */
function cli(args: string[], token: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(join(REPO_ROOT, 'node_modules/.bin/portico'), args, {
      env: { PATH: process.env.PATH, PORTICO_URL: bench.portico.app.baseUrl, PORTICO_TOKEN: token },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('POST /api/v1/sites/:id/doctor', () => {
  it('finds nothing wrong with a healthy Open WebUI site, and runs every check', async () => {
    const site = await bench.webuiSite();
    const report = await bench.doctor(site.siteId, { streamPath: '/stream', tlsScan: true });
    expect(alarms(report)).toEqual([]);
    expect(report.status).toBe('pass');
    // testssl.sh (in CI's apt list) adds its protocol summary to the Node handshakes' verdict.
    if (testsslBinary()) {
      expect(withCode(report, 'TLS_PROTOCOLS')[0]?.evidence.testssl).toMatchObject({
        protocols: { TLS1: 'not offered', TLS1_1: 'not offered', TLS1_2: 'offered' },
      });
    }
    expect(notPassed(report, OPEN_WEBUI_CODES)).toEqual([]);
    // Evidence is concrete: where DNS pointed, what the redirect said, what was streamed.
    expect(withCode(report, 'DNS_RESOLVES')[0]?.evidence.addresses).toEqual([edge.host.address]);
    expect(String(withCode(report, 'HTTP_REDIRECT')[0]?.evidence.location)).toMatch(
      new RegExp(`^https://${site.hostname}:\\d+/portico-doctor/a%20b\\?q=1&r=x%2Fy$`),
    );
    const live = withCode(report, 'STREAMING').find((c) => c.agentId === edge.id);
    expect(live?.evidence.chunks).toBeGreaterThanOrEqual(3);
    // Audited, with the outcome.
    const audit = await bench.portico.api.get(`/api/v1/audit?action=site.doctor&targetId=${site.siteId}`);
    expect(audit.status).toBe(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].after).toMatchObject({ status: 'pass', failed: [] });
  });

  it('WS_UPGRADE fails when WebSocket is off on an Open WebUI site', async () => {
    const site = await bench.webuiSite({ websocket: false });
    const report = await bench.doctor(site.siteId);
    const ws = withCode(report, 'WS_UPGRADE');
    expect(ws.map((c) => c.status)).toEqual(['fail']);
    expect(ws[0]?.remediation).toContain('websocket: true');
    expect(report.status).toBe('fail');
  });

  it('PROXY_TIMEOUT fails when the proxy gives up before AIOHTTP_CLIENT_TIMEOUT', async () => {
    const site = await bench.webuiSite({ agents: [], readTimeoutSec: 60 });
    const report = await bench.doctor(site.siteId);
    const timeout = withCode(report, 'PROXY_TIMEOUT');
    expect(timeout.map((c) => c.status)).toEqual(['fail']);
    expect(timeout[0]?.evidence).toMatchObject({ readTimeoutSec: 60, AIOHTTP_CLIENT_TIMEOUT: 300 });
  });

  it('UPSTREAM_FROM_AGENT fails when the app is down, seen from the agent', async () => {
    const gone = await TestUpstream.start({ name: 'gone' });
    const port = gone.port;
    await gone.stop();
    const site = await bench.webuiSite({ port });
    const report = await bench.doctor(site.siteId);
    const up = withCode(report, 'UPSTREAM_FROM_AGENT');
    expect(up.map((c) => c.status)).toEqual(['fail']);
    expect(up[0]?.agentId).toBe(edge.id);
    expect(up[0]?.subject).toBe(`http://127.0.0.1:${port}`);
    // The proxy itself is fine: no blame on DNS, TLS or the config, and nothing else answers on
    // 8080 (the other port of Docker's pair), so DOCKER_PORT has nothing to say live.
    for (const code of ['DNS_RESOLVES', 'HTTP_REACHABLE', 'TLS_SAN', 'CONFIG_VALID', 'DOCKER_PORT'])
      expect(withCode(report, code).every((c) => c.status === 'pass')).toBe(true);
    // The upgrade fails as well; it points at the app, not at the proxy's headers.
    const [ws] = withCode(report, 'WS_UPGRADE');
    expect([ws?.status, ws?.message]).toEqual(['fail', expect.stringMatching(/HTTP 502: the app behind/)]);
    expect(ws?.remediation).toContain('UPSTREAM_FROM_AGENT');
  });

  it('STREAMING fails for a buffered route, in the config and through the proxy', async () => {
    const site = await bench.webuiSite({ streaming: false });
    const report = await bench.doctor(site.siteId, { streamPath: '/stream' });
    const streaming = withCode(report, 'STREAMING');
    expect(streaming.find((c) => !c.agentId)?.status).toBe('fail');
    const live = streaming.find((c) => c.agentId === edge.id);
    expect(live?.status).toBe('fail');
    expect(live?.message).toMatch(/one burst/);
  });

  it('TLS_SAN fails when the certificate is for another name', async () => {
    const site = await bench.webuiSite({ certificateId: wrongCert });
    const report = await bench.doctor(site.siteId);
    const san = withCode(report, 'TLS_SAN');
    expect(san.map((c) => c.status)).toEqual(['fail']);
    expect(san[0]?.message).toContain(site.hostname);
    expect(withCode(report, 'TLS_PROTOCOLS').map((c) => c.status)).toEqual(['pass']);
  });

  it('TLS_CHAIN fails when the chain is served out of order, which Node alone would not notice', async () => {
    const pki = createTestPki(join(bench.dir, 'misordered'), ['*.example.test']);
    const uploaded = await bench.portico.api.post('/api/v1/certificates', {
      chainPem: pki.chainPem,
      keyPem: pki.keyPem,
      caPem: pki.caPem,
    });
    expect(uploaded.status).toBe(201);
    // Uploads refuse a misordered chain, so put one in behind the API's back: leaf, root, intermediate.
    const [leaf, intermediate] =
      pki.chainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g) ?? [];
    await bench.db.query(`UPDATE "Certificate" SET "chainPem" = $1 WHERE id = $2`, [
      `${leaf}${pki.caPem}${intermediate}`,
      uploaded.body.id,
    ]);
    const site = await bench.webuiSite({ certificateId: uploaded.body.id });
    const chain = withCode(await bench.doctor(site.siteId), 'TLS_CHAIN');
    expect(chain.map((c) => c.status)).toEqual(['fail']);
    expect(chain[0]?.message).toMatch(/^chain out of order: certificate 2/);
    const evidence = chain[0]?.evidence as { served?: { subjects?: string[] } } | undefined;
    expect(evidence?.served?.subjects).toHaveLength(3);
  });

  it('CONFIG_DRIFT fails after a hand edit on the host', async () => {
    const site = await bench.webuiSite({ agents: [spare] });
    const before = await bench.doctor(site.siteId);
    expect(withCode(before, 'CONFIG_DRIFT').map((c) => c.status)).toEqual(['pass']);
    const file = join(spare.host.configRoot, 'live', 'nginx', 'portico.conf');
    appendFileSync(file, '# tuned by hand\n');
    const after = await bench.doctor(site.siteId);
    const drift = withCode(after, 'CONFIG_DRIFT');
    expect(drift.map((c) => c.status)).toEqual(['fail']);
    expect(drift[0]?.evidence.handEdited).toEqual(['nginx/portico.conf']);
    // Still a valid config: the validator has nothing to say.
    expect(withCode(after, 'CONFIG_VALID').map((c) => c.status)).toEqual(['pass']);
  });

  it('DNS_RESOLVES fails for a name nobody resolves, and says which record to add', async () => {
    const hostname = `${uniqueName('lost')}.elsewhere.test`;
    const site = await bench.webuiSite({ hostname });
    const report = await bench.doctor(site.siteId);
    const dns = withCode(report, 'DNS_RESOLVES');
    expect(dns.map((c) => c.status)).toEqual(['fail']);
    expect(dns[0]?.message).toContain(hostname);
    expect(dns[0]?.remediation).toContain(edge.host.address);
    // The proxy itself is fine: the doctor does not blame it for DNS.
    expect(withCode(report, 'UPSTREAM_FROM_AGENT').map((c) => c.status)).toEqual(['pass']);
  });

  it('CONFIG_VALID fails when a hand edit breaks the live config', async () => {
    const site = await bench.webuiSite({ agents: [spare] });
    const file = join(spare.host.configRoot, 'live', 'nginx', 'portico.conf');
    const original = readFileSync(file, 'utf8');
    try {
      appendFileSync(file, 'this is not nginx;\n');
      const report = await bench.doctor(site.siteId);
      const valid = withCode(report, 'CONFIG_VALID');
      expect(valid.map((c) => c.status)).toEqual(['fail']);
      expect(JSON.stringify(valid[0]?.evidence)).toContain('unknown directive');
      expect(withCode(report, 'CONFIG_DRIFT').map((c) => c.status)).toEqual(['fail']);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('CORS_ORIGINS names the origin Ollama refuses', async () => {
    const ollama = await OllamaStandIn.start([]);
    try {
      const upstream = await bench.portico.api.post('/api/v1/upstreams', {
        name: uniqueName('ollama'),
        kind: 'ollama',
        targets: [{ host: '127.0.0.1', port: ollama.port }],
      });
      expect(upstream.status).toBe(201);
      const service = await bench.portico.api.post('/api/v1/services', {
        name: uniqueName('ollama'),
        kind: 'ollama',
        // The test host has no ollama binary or user; the unit must still pass systemd-analyze verify.
        execStart: '/usr/bin/sleep infinity',
        user: 'root',
        options: { upstream: upstream.body.name, extraOrigins: ['https://ui.example.test'] },
        agents: [edge.name],
      });
      expect(service.status).toBe(201);
      const name = uniqueName('models');
      const site = await bench.portico.api.post('/api/v1/sites', {
        name,
        hostnames: [`${name}.example.test`],
        routes: [{ pathPrefix: '/', upstream: upstream.body.name, streaming: true }],
        agents: [edge.name],
      });
      expect(site.status).toBe(201);
      const target = targetOf(await deploy(bench.portico.api, [edge]), edge);
      expect([target.status, target.error]).toEqual([expect.stringMatching(/succeeded|unchanged/), null]);

      ollama.origins.add(`http://${name}.example.test`);
      const missing = await bench.doctor(site.body.id);
      const cors = withCode(missing, 'CORS_ORIGINS');
      expect(cors.map((c) => c.status)).toEqual(['fail']);
      expect(cors[0]?.message).toContain('https://ui.example.test');
      expect(cors[0]?.message).not.toContain(`http://${name}`);
      expect(cors[0]?.remediation).toContain('OLLAMA_ORIGINS');

      ollama.origins.add('https://ui.example.test');
      const fixed = await bench.doctor(site.body.id);
      expect(alarms(fixed)).toEqual([]);
      expect(withCode(fixed, 'CORS_ORIGINS').map((c) => c.status)).toEqual(['pass']);
      expect(withCode(fixed, 'UPSTREAM_FROM_AGENT')[0]?.evidence.path).toBe('/api/tags');
    } finally {
      await ollama.stop();
    }
  });

  it('needs the deploy permission: it runs commands on hosts', async () => {
    const { viewer, operator } = await loginAsEveryRole(bench.portico.api);
    const site = await bench.webuiSite({ agents: [], deploy: false });
    expect((await viewer.post(`/api/v1/sites/${site.siteId}/doctor`)).status).toBe(403);
    expect((await operator.post(`/api/v1/sites/${site.siteId}/doctor`)).status).toBe(200);
  });

  it('`portico doctor SITE` prints each check with its code and fails only on a failed check', async () => {
    const { token } = await createToken(bench.portico.api, ['read', 'deploy']);
    const healthy = await bench.webuiSite({ agents: [], deploy: false });
    const broken = await bench.webuiSite({ agents: [], readTimeoutSec: 60, deploy: false });
    const name = async (id: string) =>
      (await bench.portico.api.get(`/api/v1/sites/${id}`)).body.name as string;
    const ok = await cli(['doctor', await name(healthy.siteId)], token);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok {3}PROXY_TIMEOUT .*300 s/);
    const bad = await cli(['doctor', await name(broken.siteId)], token);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL PROXY_TIMEOUT /);
    expect(bad.stdout).toContain('fix: raise the site');
    const json = await cli(['--json', 'doctor', broken.siteId], token);
    expect(JSON.parse(json.stdout).checks.some((c: DoctorCheckView) => c.code === 'PROXY_TIMEOUT')).toBe(
      true,
    );
  });

  it('answers 404 for an unknown site', async () => {
    const res = await bench.portico.api.post('/api/v1/sites/00000000-0000-4000-8000-000000000000/doctor');
    expect(res.status).toBe(404);
  });
});
