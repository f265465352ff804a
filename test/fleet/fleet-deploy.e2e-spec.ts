import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { SshHost } from '../fixtures/ssh-host.js';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { TestDatabase } from '../support/test-database.js';
import { FleetApp, waitForDeployment } from './fleet-app.js';
import { createSite, deploy, registerAgents, repoint, servedBy, targetOf } from './fleet-setup.js';

// One API process on its own database for the whole file; every test starts its own real sshd
// hosts (nginx, Apache, nginx) and registers them as its own agents, so tests share nothing but
// the API. Two test backends stand for "before" and "after" a change.
jest.setTimeout(120_000);

let db: TestDatabase;
let portico: FleetApp;
let v1: TestUpstream;
let v2: TestUpstream;
let fleet: SshHostFleet | undefined;

beforeAll(async () => {
  db = await TestDatabase.create('fleet-deploy');
  [portico, v1, v2] = await Promise.all([
    FleetApp.start(db.url, FleetApp.secretKey()),
    TestUpstream.start({ name: 'v1' }),
    TestUpstream.start({ name: 'v2' }),
  ]);
});

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

afterAll(async () => {
  await portico?.stop();
  await Promise.all([v1?.stop(), v2?.stop()]);
  await db?.drop();
});

/** Three fresh hosts registered as agents, with one site on all of them pointing at v1. */
async function setup() {
  fleet = await SshHostFleet.start(['nginx', 'apache', 'nginx']);
  const agents = await registerAgents(portico.api, fleet.hosts);
  const site = await createSite(portico.api, agents, v1.port);
  return { agents, site, hosts: fleet.hosts };
}

function live(host: SshHost): string {
  return readlinkSync(join(host.configRoot, 'live'));
}

describe('fleet deployments through the API', () => {
  it('first deploy reaches three hosts; a no-op redeploy does nothing; a change reaches all of them', async () => {
    const { agents, site, hosts } = await setup();
    const api = portico.api;

    const created = await api.post('/api/v1/deployments', { agents: agents.map((a) => a.name) });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ kind: 'deploy', status: 'pending' });
    expect([...created.body.selector.agentIds].sort()).toEqual(agents.map((a) => a.id).sort());
    expect(created.body.targets).toHaveLength(3);
    const first = await waitForDeployment(api, created.body.id);
    expect(first.status).toBe('succeeded');
    for (const agent of agents) {
      const target = targetOf(first, agent);
      expect(target).toMatchObject({ status: 'succeeded', error: null, revision: first.revision });
      expect(target.durationMs).toBeGreaterThan(0);
      expect(target.log).toMatch(/validate done/);
      expect(await servedBy(agent.host, site.hostname, 'v1')).toBe('v1');
      expect(live(agent.host)).toBe(`revisions/${first.revision}`);
      expect(agent.host.reloadCount()).toBe(1);
    }
    // Host keys were pinned on first contact and are shown; the private key never is.
    for (const agent of agents) {
      const view = await api.get(`/api/v1/agents/${agent.id}`);
      expect(view.body.hostKeyFingerprint).toBe(agent.host.hostKeyFingerprint);
      expect(view.text).not.toMatch(/PRIVATE KEY|sshKeyEncrypted/);
    }
    // Progress went to the event bus, which the WebSocket gateway relays.
    const events = portico.eventsOf(first.id);
    expect(events[0]).toMatchObject({ type: 'deployment.started' });
    expect(events.at(-1)).toMatchObject({ type: 'deployment.finished', status: 'succeeded' });
    for (const agent of agents) {
      const mine = portico.eventsOf(first.id, agent.id).map((e) => `${e.type}:${e.step ?? ''}:${e.status}`);
      expect(mine[0]).toBe('target.started::running');
      expect(mine).toContain('target.step:validate:done');
      expect(mine).toContain('target.step:reload:done');
      expect(mine.at(-1)).toBe('target.finished::succeeded');
    }

    // Nothing changed on the hosts' side: one inspect each, no upload, no reload.
    const again = await deploy(api, agents);
    expect(again.status).toBe('succeeded');
    for (const agent of agents) {
      expect(targetOf(again, agent).status).toBe('unchanged');
      expect(agent.host.reloadCount()).toBe(1);
      expect(live(agent.host)).toBe(`revisions/${first.revision}`);
    }

    await repoint(api, site, v2.port);
    const changed = await deploy(api, agents, { wait: 30 });
    expect(changed.status).toBe('succeeded');
    expect(changed.revision).toBeGreaterThan(first.revision);
    for (const [i, agent] of agents.entries()) {
      expect(targetOf(changed, agent).status).toBe('succeeded');
      expect(await servedBy(hosts[i]!, site.hostname, 'v2')).toBe('v2');
      expect(live(agent.host)).toBe(`revisions/${changed.revision}`);
    }

    const list = await api.get(`/api/v1/deployments?agentId=${agents[0]!.id}&limit=2`);
    expect(list.body.total).toBe(3);
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([changed.id, again.id]);
    expect(list.body.items[1].targetCounts).toEqual({ unchanged: 3 });
  });

  it('a config that fails validation on one host leaves it on its old config, serving, while the others succeed', async () => {
    const { agents, site } = await setup();
    expect((await deploy(portico.api, agents)).status).toBe('succeeded');
    const apache = agents[1]!;
    // An admin disabled mod_headers on this host: every Portico Apache tree needs it.
    apache.host.removeModule('headers');

    await repoint(portico.api, site, v2.port);
    const result = await deploy(portico.api, agents);
    expect(result.status).toBe('partially_failed');
    const failed = targetOf(result, apache);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^validate: /);
    expect(failed.log).toMatch(/validator output:[\s\S]*RequestHeader/);
    expect(await servedBy(apache.host, site.hostname, 'v1')).toBe('v1');
    expect(apache.host.reloadCount()).toBe(1);
    for (const agent of [agents[0]!, agents[2]!]) {
      expect(targetOf(result, agent).status).toBe('succeeded');
      expect(await servedBy(agent.host, site.hostname, 'v2')).toBe('v2');
    }
  });

  it('a reload that fails after the switch rolls back; the host keeps serving the old config', async () => {
    const { agents, site } = await setup();
    const before = await deploy(portico.api, agents);
    const nginx = agents[0]!;
    nginx.host.failNextReload();

    await repoint(portico.api, site, v2.port);
    const result = await deploy(portico.api, agents);
    expect(result.status).toBe('partially_failed');
    const target = targetOf(result, nginx);
    expect(target.status).toBe('rolled_back');
    expect(target.error).toMatch(/^reload: reload failed.*fault injected/);
    expect(target.log).toMatch(/rolled back to revisions\//);
    expect(live(nginx.host)).toBe(`revisions/${before.revision}`);
    expect(await servedBy(nginx.host, site.hostname, 'v1')).toBe('v1');
    expect(portico.eventsOf(result.id, nginx.id).map((e) => `${e.step}:${e.status}`)).toContain(
      'rollback:done',
    );
    for (const agent of agents.slice(1)) expect(await servedBy(agent.host, site.hostname, 'v2')).toBe('v2');
  });

  it('rolls a deployment back to what each host had before it', async () => {
    const { agents, site } = await setup();
    const first = await deploy(portico.api, agents);
    const nothingBefore = await portico.api.post(`/api/v1/deployments/${first.id}/rollback`);
    expect(nothingBefore.status).toBe(409);
    expect(nothingBefore.body.code).toBe('NOTHING_TO_ROLL_BACK');

    await repoint(portico.api, site, v2.port);
    const second = await deploy(portico.api, agents);
    for (const agent of agents) expect(await servedBy(agent.host, site.hostname, 'v2')).toBe('v2');

    const res = await portico.api.post(`/api/v1/deployments/${second.id}/rollback`, { wait: 30 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'rollback',
      rollbackOfId: second.id,
      revision: first.revision,
      status: 'succeeded',
    });
    for (const agent of agents) {
      expect(targetOf(res.body, agent)).toMatchObject({ status: 'succeeded', revision: first.revision });
      expect(await servedBy(agent.host, site.hostname, 'v1')).toBe('v1');
    }
    // Drift now compares with what the rollback deployed.
    const drift = await portico.api.get(`/api/v1/agents/${agents[0]!.id}/drift`);
    expect(drift.body).toMatchObject({ inSync: true, deployed: { deploymentId: res.body.id } });
    const audit = await portico.api.get('/api/v1/audit?limit=50');
    expect(JSON.stringify(audit.body)).toMatch(/deployment\.rollback/);
  });

  it('reports drift after a hand edit, against what Portico last deployed', async () => {
    const { agents } = await setup();
    const nginx = agents[0]!;
    const before = await portico.api.get(`/api/v1/agents/${nginx.id}/drift`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ deployed: null, liveRevision: null, hookInstalled: false });

    const done = await deploy(portico.api, agents);
    const clean = await portico.api.get(`/api/v1/agents/${nginx.id}/drift`);
    expect(clean.body).toMatchObject({
      inSync: true,
      liveRevision: String(done.revision),
      deployed: { deploymentId: done.id, revision: done.revision },
      changed: [],
      extra: [],
      hookInstalled: true,
    });

    const liveDir = join(nginx.host.configRoot, 'live', 'nginx');
    const siteFile = Object.keys(targetOf(done, nginx).fileHashes).find((p) => p.startsWith('nginx/sites/'))!;
    writeFileSync(join(nginx.host.configRoot, 'live', siteFile), '# edited by hand\n');
    writeFileSync(join(liveDir, 'stray.conf'), '# dropped here by someone\n');
    const drift = await portico.api.get(`/api/v1/agents/${nginx.id}/drift`);
    expect(drift.body).toMatchObject({
      inSync: false,
      changed: [siteFile],
      handEdited: [siteFile],
      extra: ['nginx/stray.conf'],
      missing: [],
    });

    // The next deployment puts the host back in line (a fresh tree, even at the same revision).
    const repaired = await deploy(portico.api, [nginx]);
    expect(targetOf(repaired, nginx).status).toBe('succeeded');
    expect((await portico.api.get(`/api/v1/agents/${nginx.id}/drift`)).body.inSync).toBe(true);
  });

  it('imports hand-written configs as a proposal, listing what it could not map', async () => {
    fleet = await SshHostFleet.start(['nginx']);
    const [agent] = await registerAgents(portico.api, fleet.hosts);
    const host = agent!.host;
    writeFileSync(
      join(host.proxy.sitesDir, 'legacy.conf'),
      `upstream legacy_app {
    least_conn;
    server 127.0.0.1:3000;
    server 127.0.0.1:3001 weight=3;
}
server {
    listen ${host.address}:${host.httpPort};
    server_name legacy.example.test www.legacy.example.test;
    client_max_body_size 20m;
    location / {
        proxy_pass http://legacy_app;
        proxy_read_timeout 600s;
    }
    location /static/ {
        root /srv/legacy;
    }
}
`,
    );
    const res = await portico.api.post(`/api/v1/agents/${agent!.id}/import`);
    expect(res.status).toBe(200);
    expect(res.body.files).toEqual([
      { path: join(host.proxy.sitesDir, 'legacy.conf'), bytes: expect.any(Number) },
    ]);
    expect(res.body.upstreams).toEqual([
      expect.objectContaining({
        name: 'legacy-app',
        policy: 'least_conn',
        targets: [
          { scheme: 'http', host: '127.0.0.1', port: 3000, weight: 1 },
          { scheme: 'http', host: '127.0.0.1', port: 3001, weight: 3 },
        ],
      }),
    ]);
    expect(res.body.sites).toEqual([
      expect.objectContaining({
        hostnames: ['legacy.example.test', 'www.legacy.example.test'],
        maxBodyMb: 20,
        readTimeoutSec: 600,
        routes: [expect.objectContaining({ pathPrefix: '/', upstream: 'legacy-app' })],
      }),
    ]);
    expect(res.body.unmapped).toEqual([
      expect.objectContaining({
        directive: 'root',
        line: 15,
        reason: expect.stringMatching(/location \/static\//),
      }),
    ]);
    // Import only reads: the host is untouched and nothing was created.
    expect(readFileSync(join(host.proxy.sitesDir, 'legacy.conf'), 'utf8')).toMatch(/legacy_app/);
    expect((await portico.api.get('/api/v1/sites?q=legacy')).body.total ?? 0).toBe(0);
  });

  it('answers 400 for a selector that names unknown agents and 404 for an unknown deployment', async () => {
    const bad = await portico.api.post('/api/v1/deployments', { agents: ['no-such-agent'] });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ field: 'agents', message: expect.stringMatching(/no-such-agent/) }]);
    const two = await portico.api.post('/api/v1/deployments', { all: true, agents: ['x'] });
    expect(two.status).toBe(400);
    const none = await portico.api.post('/api/v1/deployments', { selector: { env: 'nowhere' } });
    expect(none.status).toBe(400);
    const missing = await portico.api.get('/api/v1/deployments/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
  });
});
