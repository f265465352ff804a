import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CheckSpec, ProbeSpec } from '../../apps/api/src/modules/health/health-check.js';
import { ProbeRunner } from '../../apps/api/src/modules/health/probe-runner.js';
import { freePort, freePorts } from '../fixtures/ports.js';
import { createTestPki, type TestPki } from '../fixtures/tls.js';
import { ProbeProxy } from './probe-proxy.js';
import { ProbeTarget } from './probe-target.js';

// Every probe type against real servers: a controllable target directly, and the same target
// behind a real nginx (HTTP, HTTPS with redirect, WebSocket upgrade passed or not).

const check = (probe: ProbeSpec, timeoutMs = 1_000): CheckSpec => ({
  key: 'k',
  subjectType: 'site',
  subjectId: 's',
  intervalMs: 1_000,
  timeoutMs,
  probe,
});

describe('health probes against real servers', () => {
  let dir: string;
  let pki: TestPki;
  let target: ProbeTarget;
  let proxy: ProbeProxy;
  let runner: ProbeRunner;
  let untrusting: ProbeRunner;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-probes-'));
    pki = createTestPki(join(dir, 'pki'), ['secure.test']);
    writeFileSync(join(dir, 'cert.pem'), pki.chainPem);
    writeFileSync(join(dir, 'key.pem'), pki.keyPem);
    target = await ProbeTarget.start();
    const [httpPort, httpsPort] = await freePorts(2);
    proxy = new ProbeProxy(dir, httpPort!, httpsPort!);
    const tls = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
    await proxy.start([
      { host: 'plain.test', targetPort: target.port, websocket: true },
      { host: 'nows.test', targetPort: target.port, websocket: false },
      { host: 'secure.test', targetPort: target.port, websocket: true, tls },
    ]);
    runner = new ProbeRunner(14, pki.caPem);
    untrusting = new ProbeRunner(14);
  });

  afterAll(async () => {
    await proxy?.stop();
    await target?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const site = (host: string, tls = false): ProbeSpec => ({
    kind: 'site-http',
    address: '127.0.0.1',
    port: tls ? proxy.httpsPort : proxy.httpPort,
    tls,
    host,
    path: '/',
    expect: [],
  });

  it('site HTTP through nginx: up, 5xx from the upstream, slow, hanging, and a host it does not serve', async () => {
    target.mode = 'ok';
    expect(await runner.run(check(site('plain.test')))).toMatchObject({
      outcome: 'ok',
      detail: { status: 200 },
    });
    expect(await runner.run(check(site('secure.test', true)))).toMatchObject({ outcome: 'ok' });
    target.mode = 'fail';
    expect(await runner.run(check(site('plain.test')))).toMatchObject({
      outcome: 'fail',
      message: 'HTTP 503',
    });
    target.mode = 'slow';
    target.slowMs = 700;
    expect(await runner.run(check(site('plain.test')))).toMatchObject({ outcome: 'warn' });
    target.mode = 'hang';
    const hung = await runner.run(check(site('plain.test'), 400));
    expect(hung).toMatchObject({ outcome: 'fail', message: 'timeout after 400 ms' });
    target.mode = 'ok';
    // A host nginx does not serve gets its default 404: below 500 counts as answering unless `expect` says.
    const strict = { ...site('unknown.test'), expect: [200] } as ProbeSpec;
    expect(await runner.run(check(strict))).toMatchObject({ outcome: 'fail', message: 'HTTP 404' });
  });

  it('WebSocket upgrade: 101 through nginx when passed, refused when the proxy drops Upgrade', async () => {
    target.mode = 'ok';
    const ws = (host: string, tls = false): ProbeSpec => ({
      kind: 'site-websocket',
      address: '127.0.0.1',
      port: tls ? proxy.httpsPort : proxy.httpPort,
      tls,
      host,
      path: '/',
    });
    expect(await runner.run(check(ws('plain.test')))).toMatchObject({ outcome: 'ok', message: 'HTTP 101' });
    expect(await runner.run(check(ws('secure.test', true)))).toMatchObject({ outcome: 'ok' });
    expect(await runner.run(check(ws('nows.test')))).toMatchObject({
      outcome: 'fail',
      message: 'upgrade refused: HTTP 200',
    });
    target.mode = 'fail';
    expect(await runner.run(check(ws('plain.test')))).toMatchObject({ outcome: 'fail' });
    target.mode = 'ok';
  });

  it('TLS: days left and hostname match, untrusted chain and wrong name fail, few days left warns', async () => {
    const tls = (host: string): ProbeSpec => ({
      kind: 'site-tls',
      address: '127.0.0.1',
      port: proxy.httpsPort,
      host,
    });
    const good = await runner.run(check(tls('secure.test')));
    expect(good).toMatchObject({ outcome: 'ok', detail: { hostnameMatch: true, trusted: true } });
    expect(good.detail?.daysLeft).toBeGreaterThanOrEqual(28);
    expect(await runner.run(check(tls('other.test')))).toMatchObject({
      outcome: 'fail',
      message: 'certificate does not name other.test',
    });
    expect(await untrusting.run(check(tls('secure.test')))).toMatchObject({
      outcome: 'fail',
      detail: { trusted: false },
    });
    const picky = new ProbeRunner(60, pki.caPem);
    expect(await picky.run(check(tls('secure.test')))).toMatchObject({ outcome: 'warn' });
  });

  it('HTTP→HTTPS redirect is in place for the TLS site and missing for the plain one', async () => {
    const redirect = (host: string): ProbeSpec => ({
      kind: 'site-redirect',
      address: '127.0.0.1',
      port: proxy.httpPort,
      host,
    });
    expect(await runner.run(check(redirect('secure.test')))).toMatchObject({
      outcome: 'ok',
      detail: { status: 301 },
    });
    expect(await runner.run(check(redirect('plain.test')))).toMatchObject({ outcome: 'fail' });
  });

  it('upstream targets: HTTP, Ollama /api/tags, refused connections and timeouts', async () => {
    target.mode = 'ok';
    const up = (ollama: boolean, port = target.port): ProbeSpec => ({
      kind: 'upstream-http',
      scheme: 'http',
      host: '127.0.0.1',
      port,
      path: ollama ? '/api/tags' : '/',
      ollama,
    });
    expect(await runner.run(check(up(false)))).toMatchObject({
      outcome: 'ok',
      detail: { stage: 'http', status: 200 },
    });
    expect(await runner.run(check(up(true)))).toMatchObject({ outcome: 'ok', message: '2 models' });
    const closed = await freePort();
    expect(await runner.run(check(up(false, closed)))).toMatchObject({
      outcome: 'fail',
      detail: { stage: 'connect' },
    });
    // Something that answers HTTP but is no Ollama (nginx's 404 page).
    expect(await runner.run(check(up(true, proxy.httpPort)))).toMatchObject({
      outcome: 'fail',
      detail: { stage: 'ollama' },
    });
    target.mode = 'hang';
    expect(await runner.run(check(up(false), 300))).toMatchObject({
      outcome: 'fail',
      message: 'timeout after 300 ms',
    });
    target.mode = 'ok';
  });

  it('agents: an SSH banner is required on the SSH port, a listening proxy port is enough', async () => {
    const banner = await import('node:net').then(
      ({ createServer }) =>
        new Promise<import('node:net').Server>((resolve) => {
          const s = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    );
    const sshPort = (banner.address() as import('node:net').AddressInfo).port;
    expect(await runner.run(check({ kind: 'agent-ssh', address: '127.0.0.1', port: sshPort }))).toMatchObject(
      { outcome: 'ok' },
    );
    expect(
      await runner.run(check({ kind: 'agent-ssh', address: '127.0.0.1', port: proxy.httpPort })),
    ).toMatchObject({
      outcome: 'fail',
    });
    expect(
      await runner.run(check({ kind: 'agent-proxy', address: '127.0.0.1', port: proxy.httpPort })),
    ).toMatchObject({
      outcome: 'ok',
    });
    expect(
      await runner.run(check({ kind: 'agent-proxy', address: '127.0.0.1', port: await freePort() })),
    ).toMatchObject({
      outcome: 'fail',
    });
    banner.close();
  });
});
