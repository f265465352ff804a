import { describe, expect, test } from '@jest/globals';
import {
  agentSpec,
  CHAIN_WITH_OCSP_PEM,
  certificateSpec,
  fleetState,
  referenceFleet,
  siteSpec,
  upstreamSpec,
} from '../../../../../test/fixtures/fleet-state.factory.js';
import { renderAgent } from './agent-renderer.js';
import type { FleetState } from './fleet-state.js';

const file = (state: FleetState, path: string, agentId = 'agent-edge') => {
  const found = renderAgent(state, agentId).find((f) => f.path === path);
  if (!found) throw new Error(`${path} was not rendered`);
  return found.content;
};
const one = (site: Parameters<typeof siteSpec>[0] = {}, upstream: Parameters<typeof upstreamSpec>[0] = {}) =>
  fleetState({
    agents: [agentSpec()],
    sites: [siteSpec(site)],
    upstreams: [upstreamSpec(upstream)],
    certificates: [certificateSpec(), certificateSpec({ id: 'ocsp', chainPem: CHAIN_WITH_OCSP_PEM })],
  });

describe('nginx tree', () => {
  test('has the entry file, snippets, one file per upstream and per site, and the certificates', () => {
    expect(renderAgent(referenceFleet(), 'agent-edge').map((f) => [f.path, f.mode.toString(8)])).toEqual([
      ['certs/0b7f3c1e-5a52-4c1b-9d7e-3f1f2a9c8e01/fullchain.pem', '644'],
      ['nginx/portico.conf', '644'],
      ['nginx/sites/chat.conf', '644'],
      ['nginx/sites/models.conf', '644'],
      ['nginx/snippets/acme-challenge.conf', '644'],
      ['nginx/snippets/proxy-forwarded.conf', '644'],
      ['nginx/snippets/tls.conf', '644'],
      ['nginx/upstreams/ollama.conf', '644'],
      ['nginx/upstreams/openwebui.conf', '644'],
      ['systemd/open-webui.service', '644'],
    ]);
  });

  test('writes the private key 0600 only when it is known', () => {
    const state = one({ tlsMode: 'uploaded', certificateId: certificateSpec().id });
    state.certificates[0] = certificateSpec({
      keyPem: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
    });
    const key = renderAgent(state, 'agent-edge').find((f) => f.path.endsWith('privkey.pem'));
    expect(key?.mode).toBe(0o600);
    expect(key?.content.endsWith('-----END PRIVATE KEY-----\n')).toBe(true);
  });

  test('entry file: the upgrade map and includes through the live path', () => {
    const content = file(one(), 'nginx/portico.conf');
    expect(content).toContain('map $http_upgrade $portico_connection_upgrade {');
    expect(content).toContain('include /etc/portico/live/nginx/upstreams/*.conf;');
    expect(content).toContain('include /etc/portico/live/nginx/sites/*.conf;');
    expect(content).not.toContain('server_names_hash');
  });

  test('raises the server-name hash only for long or many hostnames', () => {
    const long = `${'a'.repeat(60)}.example.test`;
    expect(file(one({ hostnames: [long] }), 'nginx/portico.conf')).toContain(
      'server_names_hash_bucket_size 256;',
    );
  });

  test('HTTPS with redirect: 301 keeps host and URI, ACME stays on port 80, TLS policy and HSTS', () => {
    const content = file(referenceFleet(), 'nginx/sites/chat.conf');
    expect(content).toContain(
      [
        'server {',
        '    listen 80;',
        '    listen [::]:80;',
        '    server_name chat.example.test;',
        '    include /etc/portico/live/nginx/snippets/acme-challenge.conf;',
        '',
        '    location / {',
        '        return 301 https://$host$request_uri;',
        '    }',
        '}',
      ].join('\n'),
    );
    expect(content).toContain('    listen 443 ssl http2;');
    expect(content).toContain('    include /etc/portico/live/nginx/snippets/tls.conf;');
    expect(content).toContain('    add_header Strict-Transport-Security "max-age=31536000" always;');
    expect(content).not.toContain('ssl_stapling');
  });

  test('a route: upstream, HTTP/1.1, forwarded headers, WebSocket, timeouts, streaming', () => {
    const content = file(referenceFleet(), 'nginx/sites/chat.conf');
    expect(content).toContain(
      [
        '    client_max_body_size 100m;',
        '    # Long LLM streams must not be cut by the proxy.',
        '    proxy_read_timeout 3600s;',
        '    proxy_send_timeout 3600s;',
        '',
        '    location / {',
        '        proxy_pass http://portico_openwebui;',
        '        proxy_http_version 1.1;',
        '        proxy_set_header Host $host;',
        '        include /etc/portico/live/nginx/snippets/proxy-forwarded.conf;',
        '        proxy_set_header Upgrade $http_upgrade;',
        '        proxy_set_header Connection $portico_connection_upgrade;',
        '        # Stream tokens to the client as they arrive instead of buffering the response.',
        '        proxy_buffering off;',
        '        proxy_cache off;',
        '    }',
      ].join('\n'),
    );
  });

  test('WebSocket off keeps upstream connections alive instead', () => {
    const content = file(one({ websocket: false }), 'nginx/sites/app.conf');
    expect(content).toContain('proxy_set_header Connection "";');
    expect(content).not.toContain('Upgrade');
    expect(content).not.toContain('proxy_buffering');
  });

  test('user headers replace ours of the same name and are quoted', () => {
    const content = file(
      one({
        upstreamHeaders: [
          { name: 'X-Forwarded-Proto', value: 'https' },
          { name: 'X-Team', value: 'a "b" {c}; #d' },
        ],
        responseHeaders: [{ name: 'X-Frame-Options', value: 'SAMEORIGIN' }],
      }),
      'nginx/sites/app.conf',
    );
    expect(content).not.toContain('proxy-forwarded.conf');
    expect(content).toContain('proxy_set_header X-Real-IP $remote_addr;');
    expect(content).not.toContain('X-Forwarded-Proto $scheme');
    expect(content).toContain('proxy_set_header X-Forwarded-Proto "https";');
    expect(content).toContain('proxy_set_header X-Team "a \\"b\\" {c}; #d";');
    expect(content).toContain('add_header X-Frame-Options "SAMEORIGIN" always;');
  });

  test.each([
    ['round_robin', []],
    ['least_conn', ['    least_conn;']],
    ['ip_hash', ['    ip_hash;']],
  ] as const)('upstream with several targets, %s, keepalive', (policy, method) => {
    const content = file(
      one(
        {},
        {
          policy,
          targets: [
            { scheme: 'http', host: '10.0.0.2', port: 80, weight: 3 },
            { scheme: 'http', host: '10.0.0.1', port: 80, weight: 1 },
            { scheme: 'http', host: '::1', port: 8080, weight: 1 },
          ],
        },
      ),
      'nginx/upstreams/app.conf',
    );
    expect(content).toBe(
      [
        '# Managed by Portico: upstream app.',
        'upstream portico_app {',
        ...method,
        '    server 10.0.0.1:80;',
        '    server 10.0.0.2:80 weight=3;',
        '    server [::1]:8080;',
        '    keepalive 16;',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('keepalive 0 writes no keepalive; https upstreams get SNI', () => {
    const state = one(
      {},
      { keepalive: 0, targets: [{ scheme: 'https', host: 'backend.internal', port: 443, weight: 1 }] },
    );
    expect(file(state, 'nginx/upstreams/app.conf')).not.toContain('keepalive');
    const site = file(state, 'nginx/sites/app.conf');
    expect(site).toContain('proxy_pass https://portico_app;');
    expect(site).toContain('proxy_ssl_server_name on;');
    expect(site).toContain('proxy_ssl_name backend.internal;');
  });

  test('an Ollama upstream gets its own address as Host', () => {
    const content = file(referenceFleet(), 'nginx/sites/models.conf');
    expect(content).toContain('proxy_set_header Host "10.0.0.5:11434";');
  });

  test('OCSP stapling when the chain has an issuer and the leaf a responder', () => {
    const content = file(one({ tlsMode: 'uploaded', certificateId: 'ocsp' }), 'nginx/sites/app.conf');
    expect(content).toContain('ssl_stapling on;');
    expect(content).toContain('ssl_trusted_certificate /etc/portico/live/certs/ocsp/chain.pem;');
  });

  test('an ACME certificate not issued yet: HTTP with the challenge, no redirect, no 443', () => {
    const content = file(one({ tlsMode: 'acme', certificateId: null }), 'nginx/sites/app.conf');
    expect(content).toContain('acme-challenge.conf');
    expect(content).not.toContain('return 301');
    expect(content).not.toContain('443');
  });

  test('listen address and ports come from the agent; redirects name a non-443 port', () => {
    const state = referenceFleet({ edge: { listenAddress: '127.0.0.1', httpPort: 8080, httpsPort: 8443 } });
    const content = file(state, 'nginx/sites/chat.conf');
    expect(content).toContain('    listen 127.0.0.1:8080;\n');
    expect(content).toContain('    listen 127.0.0.1:8443 ssl http2;\n');
    expect(content).toContain('return 301 https://$host:8443$request_uri;');
  });

  test('body limit 0 is unlimited; timeouts are the site’s', () => {
    const content = file(
      one({ maxBodyMb: 0, readTimeoutSec: 86_400, sendTimeoutSec: 60 }),
      'nginx/sites/app.conf',
    );
    expect(content).toContain('client_max_body_size 0m;');
    expect(content).toContain('proxy_read_timeout 86400s;');
    expect(content).toContain('proxy_send_timeout 60s;');
  });
});
