import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { DeployOutcome, DeployProgress } from '../../apps/api/src/modules/deploy/deploy-outcome.js';
import { HostDeployer } from '../../apps/api/src/modules/deploy/host-deployer.js';
import type { HostSettings } from '../../apps/api/src/modules/deploy/host-settings.js';
import type { HttpCheck } from '../../apps/api/src/modules/deploy/http-probe.js';
import { SshTransport } from '../../apps/api/src/modules/deploy/ssh.transport.js';
import type { RenderedFile } from '../../apps/api/src/modules/render/fleet-state.js';
import type { SshHost } from '../fixtures/ssh-host.js';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { file, type TestSite, treeFor } from './proxy-tree.js';

// Real hosts: give each test room even when the jest project timeout is not applied.
jest.setTimeout(90_000);

// Each test starts its own hosts (about half a second), so tests never depend on each other.
let fleet: SshHostFleet | undefined;
const transports: SshTransport[] = [];

afterEach(async () => {
  for (const t of transports.splice(0)) t.close();
  await fleet?.stop();
  fleet = undefined;
});

async function startFleet(): Promise<SshHost[]> {
  fleet = await SshHostFleet.start(['nginx', 'apache', 'nginx']);
  return fleet.hosts;
}

async function deployer(host: SshHost, settings: Partial<HostSettings> = {}) {
  const transport = await SshTransport.connect(host.target());
  transports.push(transport);
  return { transport, engine: new HostDeployer(transport, host.settings(settings)) };
}

function checks(host: SshHost, sites: TestSite[]): HttpCheck[] {
  return sites.map((s) => ({ port: host.httpPort, hostHeader: s.hostname, acceptStatus: [200] }));
}

async function deploy(host: SshHost, revision: string, sites: TestSite[], extra: RenderedFile[] = []) {
  const { transport, engine } = await deployer(host);
  const events: DeployProgress[] = [];
  const outcome = await engine.deploy({
    revision,
    files: treeFor(host, sites, extra),
    checks: checks(host, sites),
    onProgress: (e) => events.push(e),
  });
  return { outcome, events, stats: transport.stats };
}

const V1: TestSite[] = [
  { name: 'chat', hostname: 'chat.example.test', body: 'chat v1' },
  { name: 'api', hostname: 'api.example.test', body: 'api v1' },
];

function liveOf(host: SshHost): string {
  return readlinkSync(`${host.configRoot}/live`);
}

describe('HostDeployer on real sshd hosts with real nginx and Apache', () => {
  it('first deploy: stages, validates, switches, hooks in, reloads and verifies on every host', async () => {
    const hosts = await startFleet();
    const results = await Promise.all(hosts.map((h) => deploy(h, '1', V1)));
    for (const [i, host] of hosts.entries()) {
      const { outcome, events } = results[i]!;
      expect(outcome).toMatchObject({ status: 'deployed', liveTarget: 'revisions/1', previousTarget: null });
      expect((await host.get('chat.example.test')).body).toBe('chat v1\n');
      expect((await host.get('api.example.test')).body).toBe('api v1\n');
      expect(liveOf(host)).toBe('revisions/1');
      expect(statSync(`${host.configRoot}/live/certs/test/privkey.pem`).mode & 0o777).toBe(0o600);
      expect(statSync(`${host.configRoot}/live/${host.flavor}/portico.conf`).mode & 0o777).toBe(0o644);
      expect(readFileSync(host.proxy.hookPath, 'utf8')).toContain(
        `${host.configRoot}/live/${host.flavor}/portico.conf`,
      );
      const manifest = JSON.parse(readFileSync(`${host.configRoot}/live/.portico-manifest.json`, 'utf8'));
      expect(manifest.revision).toBe('1');
      expect(host.reloadCount()).toBe(1);
      const done = events.filter((e) => e.status === 'done').map((e) => e.step);
      expect(done).toEqual(['inspect', 'stage', 'validate', 'switch', 'reload', 'verify', 'prune']);
    }
  });

  it('no-op redeploy: one read per host, no upload, no reload', async () => {
    const hosts = await startFleet();
    await Promise.all(hosts.map((h) => deploy(h, '1', V1)));
    const again = await Promise.all(hosts.map((h) => deploy(h, '2', V1)));
    for (const [i, host] of hosts.entries()) {
      const { outcome, stats, events } = again[i]!;
      expect(outcome).toMatchObject({ status: 'unchanged', liveRevision: '1' });
      expect(stats).toEqual({ commands: 1, uploadedFiles: 0, uploadedBytes: 0 });
      expect(events.map((e) => `${e.step}:${e.status}`)).toEqual(['inspect:started', 'inspect:done']);
      expect(host.reloadCount()).toBe(1);
      expect(liveOf(host)).toBe('revisions/1');
    }
  });

  it('no-op redeploy on a host with old trees and leftovers: they are pruned, nothing else changes', async () => {
    fleet = await SshHostFleet.start(['nginx']);
    const host = fleet.hosts[0]!;
    await deploy(host, '1', V1);
    // Seven older trees, a minute apart (made in one loop they could share a timestamp, and
    // pruning keeps the newest by modification time).
    for (let i = 0; i < 7; i++) {
      const tree = `${host.configRoot}/revisions/old-${i}`;
      mkdirSync(tree);
      const at = new Date(Date.now() - (7 - i) * 60_000);
      utimesSync(tree, at, at);
    }
    mkdirSync(`${host.configRoot}/revisions/.staging-leftover`);
    const { outcome, events } = await deploy(host, '2', V1);
    expect(outcome).toMatchObject({ status: 'unchanged', liveRevision: '1' });
    expect(events.map((e) => `${e.step}:${e.status}`)).toEqual([
      'inspect:started',
      'inspect:done',
      'prune:started',
      'prune:done',
    ]);
    expect(readdirSync(`${host.configRoot}/revisions`).sort()).toEqual(
      ['1', 'old-2', 'old-3', 'old-4', 'old-5', 'old-6'].sort(),
    );
    expect(host.reloadCount()).toBe(1);
  });

  it('a change reaches all hosts; only changed files are uploaded, the previous tree is kept', async () => {
    const hosts = await startFleet();
    await Promise.all(hosts.map((h) => deploy(h, '1', V1)));
    const v2: TestSite[] = [
      V1[0]!,
      { ...V1[1]!, body: 'api v2' },
      { name: 'docs', hostname: 'docs.example.test' },
    ];
    const results = await Promise.all(hosts.map((h) => deploy(h, '2', v2)));
    for (const [i, host] of hosts.entries()) {
      const { outcome, stats } = results[i]!;
      expect(outcome.status).toBe('deployed');
      if (outcome.status !== 'deployed') continue;
      expect(outcome.previousTarget).toBe('revisions/1');
      expect(outcome.copied).toContain(`${host.flavor}/sites/chat.conf`);
      expect(outcome.uploaded).not.toContain(`${host.flavor}/sites/chat.conf`);
      // Changed and new files plus the manifest went over SFTP, nothing else.
      expect(stats.uploadedFiles).toBe(outcome.uploaded.length + 1);
      expect((await host.waitFor('api.example.test', (r) => r.body === 'api v2\n')).body).toBe('api v2\n');
      expect((await host.get('docs.example.test')).status).toBe(200);
      expect(liveOf(host)).toBe('revisions/2');
      expect(existsSync(`${host.configRoot}/revisions/1`)).toBe(true);
    }
  });

  it('a config that fails validation on one host leaves that host on its old config, still serving', async () => {
    const hosts = await startFleet();
    await Promise.all(hosts.map((h) => deploy(h, '1', V1)));
    const broken = hosts[1]!; // Apache
    const v2: TestSite[] = [V1[0]!, { ...V1[1]!, body: 'api v2' }];
    const results = await Promise.all(
      hosts.map((h) =>
        deploy(
          h,
          '2',
          v2,
          h === broken ? [file('apache/sites/zz-broken.conf', 'ProxyPasss / http://127.0.0.1:9/\n')] : [],
        ),
      ),
    );
    const failed = results[1]!.outcome;
    expect(failed).toMatchObject({ status: 'failed', step: 'validate' });
    if (failed.status === 'failed') expect(failed.validatorOutput).toMatch(/ProxyPasss/);
    expect(liveOf(broken)).toBe('revisions/1');
    expect(broken.reloadCount()).toBe(1);
    expect((await broken.get('api.example.test')).body).toBe('api v1\n');
    expect(readdirSync(`${broken.configRoot}/revisions`)).toEqual(['1']); // staging cleaned up
    for (const i of [0, 2]) {
      expect(results[i]!.outcome.status).toBe('deployed');
      expect((await hosts[i]!.waitFor('api.example.test', (r) => r.body === 'api v2\n')).body).toBe(
        'api v2\n',
      );
    }
  });

  it('a reload that fails after the switch rolls back; the host serves the old config', async () => {
    const hosts = await startFleet();
    await Promise.all(hosts.map((h) => deploy(h, '1', V1)));
    for (const host of hosts) {
      host.failNextReload();
      const { outcome, events } = await deploy(host, '2', [{ ...V1[0]!, body: 'chat v2' }]);
      expect(outcome).toMatchObject({ status: 'rolled_back', step: 'reload', restoredTarget: 'revisions/1' });
      expect((outcome as { reason: string }).reason).toMatch(/fault injected/);
      expect(events.find((e) => e.step === 'rollback' && e.status === 'done')).toBeDefined();
      expect(liveOf(host)).toBe('revisions/1');
      // reload #1 (first deploy), #2 refused, #3 the rollback's reload of the old tree
      expect(host.reloadCount()).toBe(3);
      expect((await host.get('chat.example.test')).body).toBe('chat v1\n');
      expect((await host.get('api.example.test')).body).toBe('api v1\n');
    }
  });

  it('a site that stops answering after the reload is rolled back by verify', async () => {
    const hosts = await startFleet();
    await Promise.all(hosts.map((h) => deploy(h, '1', V1)));
    const dead = 'http://127.0.0.1:9'; // discard port: nothing listens, the proxy answers 502/503
    const results = await Promise.all(
      hosts.map((h) => deploy(h, '2', [V1[0]!, { ...V1[1]!, proxyTo: dead }])),
    );
    for (const [i, host] of hosts.entries()) {
      expect(results[i]!.outcome).toMatchObject({
        status: 'rolled_back',
        step: 'verify',
        restoredTarget: 'revisions/1',
      });
      expect((results[i]!.outcome as { reason: string }).reason).toMatch(
        /api\.example\.test.*answered 50[23]/,
      );
      expect((await host.waitFor('api.example.test', (r) => r.status === 200)).body).toBe('api v1\n');
    }
  });

  it('says rollback_failed when even the old config cannot be reloaded (proxy down)', async () => {
    const hosts = await startFleet();
    const host = hosts[0]!;
    await deploy(host, '1', V1);
    await host.stopProxy();
    const { outcome } = await deploy(host, '2', [{ ...V1[0]!, body: 'chat v2' }]);
    expect(outcome).toMatchObject({ status: 'rollback_failed', step: 'reload' });
    expect((outcome as { rollbackError: string }).rollbackError).toMatch(/reload failed/);
    // The files are back even though nothing could load them.
    expect(liveOf(host)).toBe('revisions/1');
    await host.startProxy();
    expect((await host.get('chat.example.test')).body).toBe('chat v1\n');
  });

  it('undoing a failed first deploy removes live and the hook again', async () => {
    const hosts = await startFleet();
    const host = hosts[0]!;
    host.failNextReload();
    const { outcome } = await deploy(host, '1', V1);
    expect(outcome).toMatchObject({ status: 'rolled_back', restoredTarget: null });
    expect(existsSync(`${host.configRoot}/live`)).toBe(false);
    expect(existsSync(host.proxy.hookPath)).toBe(false);
    expect((await host.get('chat.example.test')).status).toBe(404);
  });

  it('proxies to a real upstream through the deployed config', async () => {
    const hosts = await startFleet();
    const upstream: Server = createServer((req, res) => res.end(`upstream saw ${req.headers.host}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    try {
      const port = (upstream.address() as { port: number }).port;
      const sites = [{ name: 'app', hostname: 'app.example.test', proxyTo: `http://127.0.0.1:${port}` }];
      const results = await Promise.all(hosts.map((h) => deploy(h, '1', sites)));
      for (const [i, host] of hosts.entries()) {
        expect(results[i]!.outcome.status).toBe('deployed');
        expect((await host.get('app.example.test')).body).toBe('upstream saw app.example.test');
      }
    } finally {
      await new Promise((r) => upstream.close(r));
    }
  });

  it('deploys through sudo -n (uploads land in a temp dir and are installed as root)', async () => {
    const hosts = await startFleet();
    const host = hosts[1]!;
    const transport = await SshTransport.connect(host.target({ useSudo: true }));
    transports.push(transport);
    const outcome = await new HostDeployer(transport, host.settings()).deploy({
      revision: '1',
      files: treeFor(host, V1),
      checks: checks(host, V1),
    });
    expect(outcome.status).toBe('deployed');
    const key = statSync(`${host.configRoot}/live/certs/test/privkey.pem`);
    expect([key.mode & 0o777, key.uid]).toEqual([0o600, 0]);
    expect((await host.get('chat.example.test')).body).toBe('chat v1\n');
  });

  it('keeps a bounded number of old revisions', async () => {
    const hosts = await startFleet();
    const host = hosts[0]!;
    const { engine } = await deployer(host, { keepRevisions: 2 });
    const outcomes: DeployOutcome[] = [];
    for (let r = 1; r <= 6; r++) {
      outcomes.push(
        await engine.deploy({ revision: String(r), files: treeFor(host, [{ ...V1[0]!, body: `v${r}` }]) }),
      );
    }
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('deployed'));
    expect(readdirSync(`${host.configRoot}/revisions`).sort()).toEqual(['4', '5', '6']);
  });

  it('validates units with systemd-analyze and restarts only changed units', async () => {
    const hosts = await startFleet();
    const host = hosts[0]!;
    const unit = (desc: string, extra = '') =>
      file(
        'systemd/portico-echo.service',
        `[Unit]\nDescription=${desc}\n[Service]\nExecStart=/bin/sleep 1000\n${extra}[Install]\nWantedBy=multi-user.target\n`,
      );
    const other = file(
      'systemd/portico-other.service',
      '[Unit]\nDescription=other\n[Service]\nExecStart=/bin/true\n',
    );
    const { engine } = await deployer(host);
    const base = treeFor(host, V1);
    expect((await engine.deploy({ revision: '1', files: [...base, unit('echo v1'), other] })).status).toBe(
      'deployed',
    );
    expect(host.unitLog()).toEqual([
      'daemon-reload',
      'restart portico-echo.service',
      'restart portico-other.service',
    ]);
    expect(readlinkSync(`${host.dir}/systemd/portico-echo.service`)).toBe(
      `${host.configRoot}/live/systemd/portico-echo.service`,
    );

    const bad = await engine.deploy({
      revision: '2',
      files: [...base, unit('echo v2', 'Restartt=always\n'), other],
    });
    expect(bad).toMatchObject({ status: 'failed', step: 'validate' });
    if (bad.status === 'failed') expect(bad.validatorOutput).toMatch(/Unknown key.*Restartt/);

    const reloadsBefore = host.reloadCount();
    const good = await engine.deploy({ revision: '3', files: [...base, unit('echo v3')] });
    expect(good).toMatchObject({ status: 'deployed', restartedUnits: ['portico-echo.service'] });
    expect(host.unitLog().slice(3)).toEqual([
      'stop portico-other.service',
      'daemon-reload',
      'restart portico-echo.service',
    ]);
    expect(existsSync(`${host.dir}/systemd/portico-other.service`)).toBe(false);
    // Only unit files changed: the proxy was not reloaded.
    expect(host.reloadCount()).toBe(reloadsBefore);
  });
});
