import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { renderAgent, requiredApacheModules } from '../../apps/api/src/modules/render/agent-renderer.js';
import type { FleetState, ProxyFlavor, RenderedFile } from '../../apps/api/src/modules/render/fleet-state.js';
import { ApacheInstance } from '../fixtures/apache-instance.js';
import { certificateSpec, referenceFleet, siteSpec, upstreamSpec } from '../fixtures/fleet-state.factory.js';
import { NginxInstance } from '../fixtures/nginx-instance.js';
import { freePorts } from '../fixtures/ports.js';
import { get, getChunks, type ProxyTarget, tlsHandshake, websocketEcho } from '../fixtures/proxy-client.js';
import { writeAcmeChallenge, writeRenderedTree } from '../fixtures/rendered-tree.js';
import { type EchoedRequest, TestUpstream } from '../fixtures/test-upstream.js';
import { createTestPki } from '../fixtures/tls.js';

export interface ProxyBehaviourOptions {
  flavor: ProxyFlavor;
  /** Apache only: pretend to be this version (selects the WebSocket style). */
  proxyVersion?: string;
}

/**
 * The guide's deployments served for real: rendered by Portico, run by a real nginx or Apache on
 * loopback in front of stand-ins for Open WebUI and Ollama, and checked from the outside.
 *   chat.example.test    Open WebUI, TLS, redirect, HSTS, WebSocket, streaming (reference)
 *   models.example.test  Ollama published as its own HTTPS site (reference)
 *   multi.example.test   plain HTTP, two targets: round robin at /, ip_hash at /sticky/
 */
export function describeProxyBehaviour(options: ProxyBehaviourOptions): void {
  const { flavor } = options;
  const dir = mkdtempSync(join(tmpdir(), `portico-${flavor}-`));
  const configRoot = join(dir, 'portico');
  const hostnames = ['chat.example.test', 'models.example.test'];
  let http: ProxyTarget['port'];
  let https: ProxyTarget['port'];
  let ca: string;
  let server: NginxInstance | ApacheInstance;
  const upstreams: TestUpstream[] = [];
  let files: RenderedFile[];

  beforeAll(async () => {
    [http, https] = (await freePorts(2)) as [number, number];
    const webui = await TestUpstream.start({ name: 'webui' });
    const ollama = await TestUpstream.start({ name: 'ollama' });
    const a = await TestUpstream.start({ name: 'a' });
    const b = await TestUpstream.start({ name: 'b' });
    upstreams.push(webui, ollama, a, b);
    const pki = createTestPki(join(dir, 'pki'), hostnames);
    ca = pki.caPem;
    const certificate = certificateSpec({ chainPem: pki.chainPem, keyPem: pki.keyPem });
    const reference = referenceFleet({
      flavor,
      certificate,
      edge: {
        configRoot,
        listenAddress: '127.0.0.1',
        httpPort: http,
        httpsPort: https,
        proxyVersion: options.proxyVersion,
      },
      openWebuiTarget: { host: '127.0.0.1', port: webui.port },
      ollamaTarget: { host: '127.0.0.1', port: ollama.port },
    });
    const pair = [a, b].map((u) => ({ scheme: 'http' as const, host: '127.0.0.1', port: u.port, weight: 1 }));
    const state: FleetState = {
      ...reference,
      // Open WebUI's port check stays on: the stand-in plays a container published on its port.
      services: reference.services.map((s) =>
        s.kind === 'openwebui' ? { ...s, options: { ...s.options, hostPort: webui.port } } : s,
      ),
      upstreams: [
        ...reference.upstreams,
        upstreamSpec({ id: 'up-pair', name: 'pair', targets: pair }),
        upstreamSpec({ id: 'up-sticky', name: 'sticky', policy: 'ip_hash', targets: pair }),
      ],
      sites: [
        ...reference.sites,
        siteSpec({
          id: 'site-multi',
          name: 'multi',
          hostnames: ['multi.example.test'],
          routes: [
            { pathPrefix: '/', upstreamId: 'up-pair', streaming: false },
            { pathPrefix: '/sticky/', upstreamId: 'up-sticky', streaming: false },
          ],
        }),
      ],
    };
    files = renderAgent(state, 'agent-edge');
    mkdirSync(configRoot);
    writeRenderedTree(configRoot, files);
    writeAcmeChallenge(configRoot, 'token-123', 'token-123.thumbprint');
    server =
      flavor === 'nginx'
        ? new NginxInstance(dir, configRoot)
        : new ApacheInstance(dir, configRoot, requiredApacheModules(state, 'agent-edge'), [
            { port: http },
            { port: https, https: true },
          ]);
    await server.start([http, https]);
  });

  afterAll(async () => {
    await server?.stop();
    await Promise.all(upstreams.map((u) => u.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  const chat = () => ({ port: https, host: 'chat.example.test', ca });
  const echoed = (body: string) => JSON.parse(body) as EchoedRequest;

  describe('plain requests', () => {
    test('arrive over HTTP with the client Host and fresh X-Forwarded-* headers', async () => {
      const reply = await get({ port: http, host: 'multi.example.test' }, '/hello?x=1', {
        'x-forwarded-host': 'spoofed.example.test',
        'x-forwarded-proto': 'gopher',
      });
      expect(reply.status).toBe(200);
      const { headers, url } = echoed(reply.body);
      expect(url).toBe('/hello?x=1');
      expect(headers.host).toBe('multi.example.test');
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers['x-forwarded-host']).toBe('multi.example.test');
      expect(headers['x-real-ip']).toBe('127.0.0.1');
      expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    });

    test('arrive over HTTPS at Open WebUI with X-Forwarded-Proto https, and HSTS is sent', async () => {
      const reply = await get(chat(), '/api/v1/chats');
      expect(reply.status).toBe(200);
      expect(reply.headers['strict-transport-security']).toBe('max-age=31536000');
      const { upstream, headers } = echoed(reply.body);
      expect(upstream).toBe('webui');
      expect(headers.host).toBe('chat.example.test');
      expect(headers['x-forwarded-proto']).toBe('https');
      expect(headers['x-forwarded-host']).toBe('chat.example.test');
    });

    test("reach Ollama's own site with the Host Ollama accepts", async () => {
      const ollama = upstreams[1] as TestUpstream;
      const reply = await get({ port: https, host: 'models.example.test', ca }, '/api/tags');
      const { upstream, headers } = echoed(reply.body);
      expect(upstream).toBe('ollama');
      expect(headers.host).toBe(`127.0.0.1:${ollama.port}`);
      expect(headers['x-forwarded-host']).toBe('models.example.test');
      expect(headers['x-forwarded-proto']).toBe('https');
    });

    test('are shared out over several targets, and ip_hash keeps a client on one', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++)
        seen.add(echoed((await get({ port: http, host: 'multi.example.test' }, '/')).body).upstream);
      expect([...seen].sort()).toEqual(['a', 'b']);
      // Apache pins with a route cookie (its ip_hash stand-in); nginx hashes the client address.
      const first = await get({ port: http, host: 'multi.example.test' }, '/sticky/');
      const cookie = (first.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
      const sticky = new Set([echoed(first.body).upstream]);
      for (let i = 0; i < 5; i++) {
        const reply = await get(
          { port: http, host: 'multi.example.test' },
          '/sticky/',
          cookie ? { cookie } : {},
        );
        sticky.add(echoed(reply.body).upstream);
      }
      expect(sticky.size).toBe(1);
    });
  });

  describe('WebSocket', () => {
    test('upgrades with 101 and echoes over TLS (chat)', async () => {
      await expect(
        websocketEcho(chat(), '/ws/socket.io/?EIO=4&transport=websocket', 'ping'),
      ).resolves.toEqual({
        status: 101,
        echo: 'webui: ping',
      });
    });

    test('upgrades with 101 and echoes through a balancer (multi)', async () => {
      const result = await websocketEcho({ port: http, host: 'multi.example.test' }, '/ws', 'hello');
      expect(result.status).toBe(101);
      expect(result.echo).toMatch(/^(a|b): hello$/);
    });
  });

  describe('streaming', () => {
    test('a streaming route delivers chunks as they are written, not at the end', async () => {
      const { reply, chunks } = await getChunks(chat(), '/stream');
      expect(reply.status).toBe(200);
      expect(reply.body.match(/data: chunk \d+/g)).toHaveLength(10);
      // The stand-in writes a chunk every 300 ms for ~3 s.
      expect(chunks.length).toBeGreaterThanOrEqual(8);
      expect(chunks[0]?.at).toBeLessThan(1_500);
      expect((chunks.at(-1)?.at ?? 0) - (chunks[0]?.at ?? 0)).toBeGreaterThan(2_000);
    });
  });

  describe('port 80', () => {
    test('redirects to HTTPS with 301, the same host and the raw URI', async () => {
      const reply = await get({ port: http, host: 'chat.example.test' }, '/c/some%20chat/x?q=a%2Fb&n=1');
      expect(reply.status).toBe(301);
      expect(reply.headers.location).toBe(`https://chat.example.test:${https}/c/some%20chat/x?q=a%2Fb&n=1`);
    });

    test('serves the ACME challenge instead of redirecting it', async () => {
      const reply = await get(
        { port: http, host: 'chat.example.test' },
        '/.well-known/acme-challenge/token-123',
      );
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('token-123.thumbprint');
    });
  });

  describe('TLS', () => {
    test.each(['TLSv1', 'TLSv1.1'] as const)('refuses a %s handshake', async (version) => {
      const result = await tlsHandshake(chat(), version);
      // Alert 70 (protocol_version) comes from the server: the client offered the old version.
      expect(result).toEqual({ ok: false, error: expect.stringMatching(/alert protocol version/) });
    });

    test.each(['TLSv1.2', 'TLSv1.3'] as const)('accepts a %s handshake', async (version) => {
      await expect(tlsHandshake(chat(), version)).resolves.toEqual({ ok: true, protocol: version });
    });
  });

  test('the tree it serves is the rendered one', () => {
    expect(files.map((f) => f.path)).toContain(`${flavor}/sites/chat.conf`);
  });
}
