import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { HostConfigImport } from '../../apps/api/src/modules/agent-hosts/config-import/host-config-import.js';
import { HostDeployer } from '../../apps/api/src/modules/deploy/host-deployer.js';
import { HostTester } from '../../apps/api/src/modules/deploy/host-tester.js';
import { HttpProbe } from '../../apps/api/src/modules/deploy/http-probe.js';
import { SshTransport } from '../../apps/api/src/modules/deploy/ssh.transport.js';
import { LoopbackAddress } from '../fixtures/loopback-address.js';
import type { SshHost } from '../fixtures/ssh-host.js';
import { SshHost as Host } from '../fixtures/ssh-host.js';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { file, treeFor } from './proxy-tree.js';

jest.setTimeout(90_000);

// Drift, import and the agent test only read hosts (or break them in ways each test owns), so
// one nginx and one Apache host serve the whole file; each test works on its own host state.
let fleet: SshHostFleet;
let nginx: SshHost;
let apache: SshHost;
const transports: SshTransport[] = [];

beforeAll(async () => {
  fleet = await SshHostFleet.start(['nginx', 'apache']);
  [nginx, apache] = [fleet.host(0), fleet.host(1)];
});

afterAll(async () => {
  for (const t of transports) t.close();
  await fleet?.stop();
});

async function importerFor(host: SshHost): Promise<HostConfigImport> {
  const transport = await SshTransport.connect(host.target());
  transports.push(transport);
  return new HostConfigImport(transport, host.settings());
}

async function engineFor(host: SshHost): Promise<HostDeployer> {
  const transport = await SshTransport.connect(host.target());
  transports.push(transport);
  return new HostDeployer(transport, host.settings());
}

describe('drift', () => {
  it('reports hand edits, missing and extra files against the expected tree', async () => {
    const sites = [{ name: 'drift', hostname: 'drift.example.test' }];
    const files = treeFor(nginx, sites);
    const engine = await engineFor(nginx);
    expect((await engine.deploy({ revision: 'd1', files })).status).toBe('deployed');
    expect(await engine.drift(files)).toMatchObject({
      inSync: true,
      liveRevision: 'd1',
      hookInstalled: true,
    });

    const live = `${nginx.configRoot}/live`;
    writeFileSync(`${live}/nginx/sites/drift.conf`, '# edited by hand\n');
    writeFileSync(`${live}/nginx/sites/stray.conf`, '# dropped here by someone\n');
    chmodSync(`${live}/certs/test/privkey.pem`, 0o644);
    const expected = [...files, file('nginx/snippets/new.conf', '# not deployed yet\n')];
    const drift = await engine.drift(expected);
    expect(drift).toEqual({
      inSync: false,
      liveRevision: 'd1',
      changed: ['nginx/sites/drift.conf'],
      modeChanged: ['certs/test/privkey.pem'],
      missing: ['nginx/snippets/new.conf'],
      extra: ['nginx/sites/stray.conf'],
      handEdited: ['nginx/sites/drift.conf'],
      hookInstalled: true,
    });

    // A redeploy of the same revision repairs the hand edit in a new tree.
    const repaired = await engine.deploy({ revision: 'd1', files });
    expect(repaired.status).toBe('deployed');
    expect((await engine.drift(files)).inSync).toBe(true);
  });
});

describe('import', () => {
  it('reads hand-written nginx sites and proposes sites and upstreams', async () => {
    const cert = join(nginx.dir, 'legacy-cert.pem');
    const key = join(nginx.dir, 'legacy-key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=chat.legacy.test',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const tlsPort = await nginx.freePort();
    const text = `upstream chat_backend {
    least_conn;
    server 127.0.0.1:3000 weight=2;
    server 127.0.0.1:3001;
}
server {
    listen ${nginx.address}:${nginx.httpPort};
    server_name chat.legacy.test www.chat.legacy.test;
    return 301 https://$host$request_uri;
}
server {
    listen ${nginx.address}:${tlsPort} ssl;
    server_name chat.legacy.test www.chat.legacy.test;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    add_header Strict-Transport-Security "max-age=31536000" always;
    client_max_body_size 50m;
    location / {
        proxy_pass http://chat_backend;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_read_timeout 600s;
    }
    location /ollama/ {
        proxy_pass http://127.0.0.1:11434/ollama/;
        proxy_buffering off;
    }
    location ~ \\.php$ {
        fastcgi_pass unix:/run/php.sock;
    }
}
`;
    writeFileSync(join(nginx.proxy.sitesDir, 'legacy.conf'), text);
    // The hand-written file must be valid for the host's real nginx, as on a real host.
    const transport = await SshTransport.connect(nginx.target());
    transports.push(transport);
    expect((await transport.exec(nginx.settings().validateCommand)).code).toBe(0);

    const { files, proposal } = await (await importerFor(nginx)).run();
    expect(files.map((f) => f.path)).toEqual([join(nginx.proxy.sitesDir, 'legacy.conf')]);
    expect(files[0]!.content).toContain('upstream chat_backend');
    expect(proposal.upstreams).toEqual([
      expect.objectContaining({
        name: 'chat-backend',
        policy: 'least_conn',
        targets: [
          { scheme: 'http', host: '127.0.0.1', port: 3000, weight: 2 },
          { scheme: 'http', host: '127.0.0.1', port: 3001, weight: 1 },
        ],
      }),
      expect.objectContaining({ name: '127-0-0-1-11434' }),
    ]);
    expect(proposal.sites).toEqual([
      expect.objectContaining({
        name: 'chat-legacy-test',
        hostnames: ['chat.legacy.test', 'www.chat.legacy.test'],
        tls: true,
        httpsRedirect: true,
        hsts: true,
        websocket: true,
        readTimeoutSec: 600,
        maxBodyMb: 50,
        routes: [
          { pathPrefix: '/', upstream: 'chat-backend', streaming: false },
          { pathPrefix: '/ollama/', upstream: '127-0-0-1-11434', streaming: true },
        ],
      }),
    ]);
    const phpLine = text.split('\n').findIndex((l) => l.includes('location ~')) + 1;
    expect(proposal.unmapped).toEqual([
      expect.objectContaining({ line: phpLine, directive: 'location ~ \\.php$' }),
    ]);
  });

  it('reads hand-written Apache virtual hosts and proposes sites and upstreams', async () => {
    const text = `<Proxy "balancer://webui">
    BalancerMember "http://127.0.0.1:8080" loadfactor=3
    BalancerMember "http://127.0.0.1:8081"
</Proxy>
<VirtualHost ${apache.address}:${apache.httpPort}>
    ServerName webui.legacy.test
    ServerAlias ai.legacy.test
    ProxyPreserveHost On
    Header always set X-Frame-Options "DENY"
    RequestHeader set X-Tenant "blue"
    ProxyTimeout 300
    ProxyPass /api/ http://127.0.0.1:9000/api/ upgrade=websocket
    ProxyPass / balancer://webui/
    ProxyPassReverse / balancer://webui/
    Alias /static /var/www/static
</VirtualHost>
`;
    writeFileSync(join(apache.proxy.sitesDir, 'legacy.conf'), text);
    const transport = await SshTransport.connect(apache.target());
    transports.push(transport);
    const valid = await transport.exec(apache.settings().validateCommand);
    expect(valid.stderr).toContain('Syntax OK');

    const { proposal } = await (await importerFor(apache)).run();
    expect(proposal.upstreams.map((u) => u.name)).toEqual(['webui', '127-0-0-1-9000']);
    expect(proposal.upstreams[0]!.targets[0]).toEqual({
      scheme: 'http',
      host: '127.0.0.1',
      port: 8080,
      weight: 3,
    });
    expect(proposal.sites).toEqual([
      expect.objectContaining({
        name: 'webui-legacy-test',
        hostnames: ['webui.legacy.test', 'ai.legacy.test'],
        websocket: true,
        readTimeoutSec: 300,
        responseHeaders: [{ name: 'X-Frame-Options', value: 'DENY' }],
        upstreamHeaders: [{ name: 'X-Tenant', value: 'blue' }],
        routes: [
          { pathPrefix: '/api/', upstream: '127-0-0-1-9000', streaming: false },
          { pathPrefix: '/', upstream: 'webui', streaming: false },
        ],
      }),
    ]);
    const aliasLine = text.split('\n').findIndex((l) => l.includes('Alias /static')) + 1;
    expect(proposal.unmapped).toEqual([expect.objectContaining({ directive: 'Alias', line: aliasLine })]);
  });
});

describe('HttpProbe', () => {
  it('speaks HTTPS (with SNI) to a listener on the host through the SSH connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-probe-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-subj',
          '/CN=tls.test',
          '-days',
          '1',
          '-keyout',
          join(dir, 'k'),
          '-out',
          join(dir, 'c'),
        ],
        { stdio: 'ignore' },
      );
      const seen: string[] = [];
      const server = createHttpsServer(
        { key: readFileSync(join(dir, 'k')), cert: readFileSync(join(dir, 'c')) },
        (req, res) => {
          seen.push(`${(req.socket as TLSSocket).servername} ${req.headers.host}`);
          res.writeHead(204).end();
        },
      );
      const port = await nginx.freePort();
      await new Promise<void>((r) => server.listen(port, nginx.address, r));
      try {
        const transport = await SshTransport.connect(nginx.target());
        transports.push(transport);
        const probe = new HttpProbe(transport, nginx.address);
        expect(await probe.once({ port, hostHeader: 'tls.test', tls: true })).toMatchObject({
          ok: true,
          status: 204,
        });
        expect(seen).toEqual(['tls.test tls.test']);
        const closed = await probe.once({ port: await nginx.freePort(), hostHeader: 'tls.test' });
        expect(closed).toMatchObject({ ok: false, error: expect.stringMatching(/refused|failed/i) });
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('agent test', () => {
  const statuses = (r: { checks: { name: string; status: string }[] }) =>
    Object.fromEntries(r.checks.map((c) => [c.name, c.status]));

  it('passes every check on a healthy host and reports the proxy version', async () => {
    for (const host of [nginx, apache]) {
      const report = await new HostTester(host.settings()).run(host.target());
      expect(report.ok).toBe(true);
      expect(report.firstContact).toBe(true);
      expect(report.hostKeyFingerprint).toBe(host.hostKeyFingerprint);
      expect(report.proxyVersion).toMatch(/^\d+\.\d+\.\d+$/);
      expect(statuses(report)).toMatchObject({
        reachable: 'pass',
        auth: 'pass',
        proxy_binary: 'pass',
        current_config: 'pass',
      });
      expect(statuses(report).modules).toBe(host.flavor === 'apache' ? 'pass' : 'skipped');
    }
  });

  it('names a missing Apache module', async () => {
    const host = await Host.start({ flavor: 'apache' });
    try {
      host.removeModule('headers');
      const report = await new HostTester(host.settings()).run(host.target());
      expect(report.ok).toBe(false);
      expect(report.checks.find((c) => c.name === 'modules')).toMatchObject({
        status: 'fail',
        detail: 'missing: headers_module',
      });
    } finally {
      await host.stop();
    }
  });

  it('reports unreachable hosts, rejected keys and changed host keys as failed checks', async () => {
    const tester = new HostTester(nginx.settings());
    const spare = LoopbackAddress.lease();
    try {
      const down = await tester.run(nginx.target({ host: spare.address, port: await spare.freePort() }));
      expect(statuses(down)).toMatchObject({ reachable: 'fail', auth: 'skipped' });
    } finally {
      spare.release();
    }
    const stranger = Host.generateKey();
    const rejected = await tester.run(nginx.target({ privateKey: stranger.privateKey }));
    expect(statuses(rejected)).toMatchObject({
      reachable: 'pass',
      host_key: 'pass',
      auth: 'fail',
      proxy_binary: 'skipped',
    });
    const wrongPin = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const changed = await tester.run(nginx.target({ hostKeyFingerprint: wrongPin }));
    expect(statuses(changed)).toMatchObject({ host_key: 'fail', auth: 'skipped' });
  });
});
