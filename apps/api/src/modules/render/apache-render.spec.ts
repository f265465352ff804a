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
import { renderAgent, renderSite, requiredApacheModules } from './agent-renderer.js';
import type { FleetState } from './fleet-state.js';

const apache = (overrides: Parameters<typeof agentSpec>[0] = {}) =>
  agentSpec({ flavor: 'apache', ...overrides });
const one = (
  site: Parameters<typeof siteSpec>[0] = {},
  upstream: Parameters<typeof upstreamSpec>[0] = {},
  agent = apache(),
): FleetState =>
  fleetState({
    agents: [agent],
    sites: [siteSpec(site)],
    upstreams: [upstreamSpec(upstream)],
    certificates: [certificateSpec(), certificateSpec({ id: 'ocsp', chainPem: CHAIN_WITH_OCSP_PEM })],
  });
const site = (state: FleetState, name = 'app') =>
  renderAgent(state, 'agent-edge').find((f) => f.path === `apache/sites/${name}.conf`)?.content ?? '';
const twoTargets = [
  { scheme: 'http' as const, host: '10.0.0.1', port: 80, weight: 1 },
  { scheme: 'http' as const, host: '10.0.0.2', port: 80, weight: 5 },
];

describe('Apache tree', () => {
  test('entry file, TLS snippet, one file per site', () => {
    const paths = renderAgent(referenceFleet({ flavor: 'apache' }), 'agent-edge').map((f) => f.path);
    expect(paths.filter((p) => p.startsWith('apache/'))).toEqual([
      'apache/portico.conf',
      'apache/sites/chat.conf',
      'apache/sites/models.conf',
      'apache/snippets/tls.conf',
    ]);
  });

  test('the reference Open WebUI site: TLS, proxy basics, WebSocket, streaming', () => {
    const content = site(referenceFleet({ flavor: 'apache' }), 'chat');
    for (const line of [
      '<VirtualHost *:443>',
      '    ServerName chat.example.test',
      '    SSLEngine on',
      '    Include /etc/portico/live/apache/snippets/tls.conf',
      '    SSLCertificateFile /etc/portico/live/certs/0b7f3c1e-5a52-4c1b-9d7e-3f1f2a9c8e01/fullchain.pem',
      '    ProxyRequests Off',
      '    ProxyPreserveHost On',
      '    ProxyTimeout 3600',
      '    RequestHeader set X-Forwarded-Proto "https"',
      '    RequestHeader set X-Real-IP "expr=%{REMOTE_ADDR}"',
      '    ProxyPass /.well-known/acme-challenge/ !',
      '    ProxyPass / http://127.0.0.1:3000/ nocanon upgrade=websocket flushpackets=on',
      '    ProxyPassReverse / http://127.0.0.1:3000/',
      '    Header always set Strict-Transport-Security "max-age=31536000"',
    ]) {
      expect(content).toContain(`${line}\n`);
    }
  });

  test('the 80 -> 443 rewrite leaves the ACME path alone', () => {
    const content = site(referenceFleet({ flavor: 'apache' }), 'chat');
    expect(content).toContain(
      '    Alias /.well-known/acme-challenge/ /etc/portico/acme/.well-known/acme-challenge/\n',
    );
    expect(content).toContain('    RewriteCond %{REQUEST_URI} !^/\\.well-known/acme-challenge/\n');
    expect(content).toContain('    RewriteRule ^ https://%1%3 [END,NE,R=301]\n');
  });

  test('the TLS policy is TLS 1.2 and 1.3 only', () => {
    const tls = renderAgent(one(), 'agent-edge').find((f) => f.path === 'apache/snippets/tls.conf')?.content;
    expect(tls).toContain('SSLProtocol -all +TLSv1.2 +TLSv1.3\n');
  });

  test.each([
    ['round_robin', 'lbmethod=byrequests', 'lbmethod_byrequests'],
    ['least_conn', 'lbmethod=bybusyness', 'lbmethod_bybusyness'],
    ['ip_hash', 'lbmethod=byrequests stickysession=PORTICO_ROUTE', 'lbmethod_byrequests'],
  ] as const)('several targets, %s, go through a balancer', (policy, lb, module) => {
    const state = one({}, { policy, targets: twoTargets });
    const content = site(state);
    expect(content).toContain('    <Proxy "balancer://app-r1">\n');
    expect(content).toContain(
      '        BalancerMember http://10.0.0.2:80 loadfactor=5 route=m2 upgrade=websocket\n',
    );
    expect(content).toContain(`        ProxySet ${lb}\n`);
    expect(content).toContain('    ProxyPass / balancer://app-r1/ nocanon\n');
    expect(content.includes('Set-Cookie "PORTICO_ROUTE')).toBe(policy === 'ip_hash');
    expect(requiredApacheModules(state, 'agent-edge')).toEqual(
      [
        'alias',
        'authz_core',
        'headers',
        module,
        'proxy',
        'proxy_balancer',
        'proxy_http',
        'slotmem_shm',
      ].sort(),
    );
  });

  test('before 2.4.47, WebSocket goes through mod_proxy_wstunnel rewrite rules', () => {
    const state = one({}, { targets: twoTargets }, apache({ proxyVersion: '2.4.41' }));
    const content = site(state);
    expect(content).not.toContain('upgrade=websocket');
    expect(content).toContain('    RewriteCond %{HTTP:Upgrade} =websocket [NC]\n');
    expect(content).toContain('    RewriteRule ^(/.*)$ balancer://app-r1-ws$1 [P,NE,L]\n');
    expect(content).toContain('        BalancerMember ws://10.0.0.1:80 loadfactor=1 route=m1\n');
    expect(requiredApacheModules(state, 'agent-edge')).toContain('proxy_wstunnel');
    expect(requiredApacheModules(one(), 'agent-edge')).not.toContain('proxy_wstunnel');
  });

  test('routes are written longest prefix first, since ProxyPass takes the first match', () => {
    const content = site(
      one({
        routes: [
          { pathPrefix: '/', upstreamId: 'up-app', streaming: false },
          { pathPrefix: '/api/v1/', upstreamId: 'up-app', streaming: false },
          { pathPrefix: '/api/', upstreamId: 'up-app', streaming: false },
        ],
      }),
    );
    const order = [...content.matchAll(/^ {4}ProxyPass (\S+) http/gm)].map((m) => m[1]);
    expect(order).toEqual(['/api/v1/', '/api/', '/']);
  });

  test('Ollama routes stop preserving Host so Ollama sees its own address', () => {
    const content = site(referenceFleet({ flavor: 'apache' }), 'models');
    expect(content).toContain('    <Location />\n        ProxyPreserveHost Off\n    </Location>\n');
  });

  test('header values are quoted for mod_headers; body limit capped at 2 GiB', () => {
    const content = site(
      one({
        maxBodyMb: 102_400,
        upstreamHeaders: [{ name: 'X-Note', value: '100% "quoted"' }],
      }),
    );
    expect(content).toContain('    RequestHeader set X-Note "100%% \\"quoted\\""\n');
    expect(content).toContain('    LimitRequestBody 2147483647\n');
  });

  test('stapling needs the cache in the entry file and socache_shmcb', () => {
    const state = one({ tlsMode: 'uploaded', certificateId: 'ocsp' });
    const entry = renderAgent(state, 'agent-edge').find((f) => f.path === 'apache/portico.conf')?.content;
    expect(entry).toContain('SSLStaplingCache shmcb:portico-ocsp(131072)');
    expect(site(state)).toContain('    SSLUseStapling On\n');
    expect(requiredApacheModules(state, 'agent-edge')).toEqual(
      expect.arrayContaining(['ssl', 'socache_shmcb', 'rewrite']),
    );
  });

  test('renderSite previews one site in either flavor', () => {
    const state = referenceFleet();
    expect(renderSite(state, 'site-chat', 'apache').map((f) => f.path)).toEqual(['apache/sites/chat.conf']);
    expect(renderSite(state, 'site-chat', 'nginx').map((f) => f.path)).toEqual([
      'nginx/sites/chat.conf',
      'nginx/upstreams/openwebui.conf',
    ]);
  });
});
