import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { agentDocFor } from '../fixtures/fleet-agent.js';
import { LoopbackAddress } from '../fixtures/loopback-address.js';
import { SshHost } from '../fixtures/ssh-host.js';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { createUser } from '../support/role-clients.js';
import { TestDatabase } from '../support/test-database.js';
import { FleetApp } from './fleet-app.js';
import { createSite, deploy, registerAgents, servedBy, targetOf } from './fleet-setup.js';

// Connecting to agents through the API: the agent test, host-key pinning and acceptance, and
// what a deployment says about hosts it cannot reach or that refuse its key.
jest.setTimeout(120_000);

let db: TestDatabase;
let portico: FleetApp;
let backend: TestUpstream;
let fleet: SshHostFleet | undefined;
const leases: LoopbackAddress[] = [];

beforeAll(async () => {
  db = await TestDatabase.create('fleet-agents');
  [portico, backend] = await Promise.all([
    FleetApp.start(db.url, FleetApp.secretKey()),
    TestUpstream.start({ name: 'app' }),
  ]);
});

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  for (const lease of leases.splice(0)) lease.release();
});

afterAll(async () => {
  await portico?.stop();
  await backend?.stop();
  await db?.drop();
});

function check(body: { checks: { name: string; status: string; detail: string }[] }, name: string) {
  return body.checks.find((c) => c.name === name);
}

describe('agent connection', () => {
  it('tests an agent: every check passes, the version is learned, the host key pinned on first contact', async () => {
    fleet = await SshHostFleet.start(['nginx', 'apache']);
    const [nginx, apache] = await registerAgents(portico.api, fleet.hosts);
    const revision = (await portico.api.get('/api/v1/revision')).body.revision;

    const first = await portico.api.post(`/api/v1/agents/${apache!.id}/test`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      ok: true,
      firstContact: true,
      hostKeyFingerprint: apache!.host.hostKeyFingerprint,
      proxyVersion: expect.stringMatching(/^2\.4\.\d+$/),
    });
    expect(first.body.checks.map((c: { name: string; status: string }) => `${c.name}:${c.status}`)).toEqual([
      'reachable:pass',
      'host_key:pass',
      'auth:pass',
      'sudo:skipped',
      'proxy_binary:pass',
      'modules:pass',
      'config_root:pass',
      'hook_dir:pass',
      'namespaces:pass',
      'current_config:pass',
      'init_system:pass',
      'reload_command:pass',
      'status_command:pass',
    ]);
    expect(first.body.proposedOverrides).toBeNull();
    const view = (await portico.api.get(`/api/v1/agents/${apache!.id}`)).body;
    expect(view).toMatchObject({
      hostKeyFingerprint: apache!.host.hostKeyFingerprint,
      offeredHostKey: null,
      proxyVersion: first.body.proxyVersion,
    });
    // The proxy version feeds the renderer (Apache's WebSocket style): it is new desired state.
    expect((await portico.api.get('/api/v1/revision')).body.revision).toBe(revision + 1);

    const again = await portico.api.post(`/api/v1/agents/${apache!.id}/test`);
    expect(again.body.firstContact).toBe(false);
    expect(check(again.body, 'host_key')?.detail).toBe('matches the pinned key');

    const nginxTest = await portico.api.post(`/api/v1/agents/${nginx!.id}/test`);
    expect(nginxTest.body).toMatchObject({ ok: true, proxyVersion: expect.stringMatching(/^1\.\d+\.\d+$/) });
    expect(check(nginxTest.body, 'modules')?.status).toBe('skipped');

    // A module the agent's sites need is missing: the test says which.
    await createSite(portico.api, [apache!], backend.port);
    apache!.host.removeModule('proxy_http');
    const missing = await portico.api.post(`/api/v1/agents/${apache!.id}/test`);
    expect(missing.body.ok).toBe(false);
    expect(check(missing.body, 'modules')).toMatchObject({
      status: 'fail',
      detail: 'missing: proxy_http_module',
    });

    const audit = await portico.api.get(`/api/v1/audit?limit=100`);
    expect(JSON.stringify(audit.body)).toMatch(/agent\.test/);
  });

  it('on a host without systemd the test says so, proposes overrides, and a deploy after applying them succeeds', async () => {
    fleet = await SshHostFleet.start(['nginx']);
    const host = fleet.hosts[0]!;
    // The defaults for reload, status and units (systemctl), the test layout for the rest.
    const doc = agentDocFor(host);
    const { statusCommand: _s, units: _u, ...layout } = doc.hostOverrides;
    const created = await portico.api.post('/api/v1/agents', {
      ...doc,
      reloadCommand: null,
      hostOverrides: layout,
    });
    expect(created.status).toBe(201);
    const agent = { id: created.body.id as string, name: created.body.name as string, host };

    const test = await portico.api.post(`/api/v1/agents/${agent.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body.ok).toBe(false);
    expect(check(test.body, 'init_system')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^no systemd \(PID 1 is /),
    });
    expect(check(test.body, 'reload_command')).toMatchObject({
      status: 'fail',
      detail: '"systemctl reload nginx" cannot run: this host has no systemd',
    });
    expect(check(test.body, 'status_command')?.status).toBe('fail');
    const proposed = test.body.proposedOverrides;
    expect(proposed.reasons).toHaveLength(3);
    expect(proposed.patch).toEqual({
      reloadCommand: `nginx -c ${host.settings().validateCommand.split(' -c ')[1]!.split(' ')[0]} -e ${host.settings().validateCommand.split(' -e ')[1]} -s reload`,
      hostOverrides: { ...layout, statusCommand: 'pgrep -x nginx >/dev/null', units: null },
    });

    // One PATCH applies the proposal; the test passes, and so does a deploy.
    expect((await portico.api.patch(`/api/v1/agents/${agent.id}`, proposed.patch)).status).toBe(200);
    const again = await portico.api.post(`/api/v1/agents/${agent.id}/test`);
    expect(again.body).toMatchObject({ ok: true, proposedOverrides: null });
    const site = await createSite(portico.api, [agent], backend.port);
    const done = await deploy(portico.api, [agent]);
    expect(done.status).toBe('succeeded');
    expect(await servedBy(host, site.hostname, 'app')).toBe('app');
  });

  it('a changed host key stops every operation until an admin accepts it', async () => {
    fleet = await SshHostFleet.start(['nginx']);
    const [agent] = await registerAgents(portico.api, fleet.hosts);
    const site = await createSite(portico.api, [agent!], backend.port);
    expect((await deploy(portico.api, [agent!])).status).toBe('succeeded');
    const pinned = agent!.host.hostKeyFingerprint;

    const rotated = await agent!.host.rotateHostKey();
    expect(rotated).not.toBe(pinned);
    const refused = await deploy(portico.api, [agent!]);
    expect(refused.status).toBe('failed');
    expect(targetOf(refused, agent!).error).toMatch(/^HOST_KEY_CHANGED: .*presented host key/);
    const view = (await portico.api.get(`/api/v1/agents/${agent!.id}`)).body;
    expect(view).toMatchObject({ hostKeyFingerprint: pinned, offeredHostKey: rotated });

    // Every other operation refuses too, with the evidence and a 409.
    const drift = await portico.api.get(`/api/v1/agents/${agent!.id}/drift`);
    expect(drift.status).toBe(409);
    expect(drift.body).toMatchObject({
      code: 'HOST_KEY_CHANGED',
      details: { expected: pinned, actual: rotated },
    });
    expect((await portico.api.post(`/api/v1/agents/${agent!.id}/import`)).body.code).toBe('HOST_KEY_CHANGED');
    const tested = await portico.api.post(`/api/v1/agents/${agent!.id}/test`);
    expect(check(tested.body, 'host_key')?.status).toBe('fail');
    expect(check(tested.body, 'auth')?.status).toBe('skipped');

    const operator = await createUser(portico.api, 'operator');
    const asOperator = await portico.api.login(operator.email, operator.password);
    expect(
      (await asOperator.post(`/api/v1/agents/${agent!.id}/accept-host-key`, { fingerprint: rotated })).status,
    ).toBe(403);
    const wrong = await portico.api.post(`/api/v1/agents/${agent!.id}/accept-host-key`, {
      fingerprint: pinned,
    });
    expect(wrong.status).toBe(409);
    expect(wrong.body).toMatchObject({ code: 'HOST_KEY_NOT_OFFERED', details: { offeredHostKey: rotated } });
    const bad = await portico.api.post(`/api/v1/agents/${agent!.id}/accept-host-key`, {
      fingerprint: 'nope',
    });
    expect(bad.status).toBe(400);

    const accepted = await portico.api.post(`/api/v1/agents/${agent!.id}/accept-host-key`, {
      fingerprint: rotated,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ hostKeyFingerprint: rotated, offeredHostKey: null });
    expect(accepted.text).not.toMatch(/PRIVATE KEY|sshKeyEncrypted/);
    const works = await deploy(portico.api, [agent!]);
    expect(works.status).toBe('succeeded');
    expect(await servedBy(agent!.host, site.hostname, 'app')).toBe('app');
    const audit = await portico.api.get(`/api/v1/audit?limit=100`);
    expect(JSON.stringify(audit.body)).toMatch(/agent\.accept_host_key/);
  });

  it('an unreachable host and a rejected key fail their own targets; the reachable host still gets its config', async () => {
    fleet = await SshHostFleet.start(['nginx', 'nginx']);
    const [good, unreachable] = fleet.hosts;
    const nowhere = LoopbackAddress.lease();
    leases.push(nowhere);
    const deadPort = await nowhere.freePort();
    const agents = await registerAgents(portico.api, [good!, unreachable!], (h) =>
      h === unreachable ? { address: nowhere.address, sshPort: deadPort } : {},
    );
    const [rejected] = await registerAgents(portico.api, [good!], () => ({
      name: `rejected-${agents[0]!.name}`,
      privateKey: SshHost.generateKey().privateKey, // not in the host's authorized_keys
      configRoot: `${good!.dir}/other-root`,
    }));
    const all = [...agents, rejected!];
    const site = await createSite(portico.api, all, backend.port);

    const result = await deploy(portico.api, all);
    expect(result.status).toBe('partially_failed');
    expect(targetOf(result, agents[0]!).status).toBe('succeeded');
    expect(targetOf(result, agents[1]!)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^HOST_UNREACHABLE: .*ECONNREFUSED/),
    });
    expect(targetOf(result, rejected!)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^AUTH_REJECTED: .*rejected the private key/),
    });
    expect(await servedBy(good!, site.hostname, 'app')).toBe('app');

    const test = await portico.api.post(`/api/v1/agents/${agents[1]!.id}/test`);
    expect(check(test.body, 'reachable')?.status).toBe('fail');
    const driftUnreachable = await portico.api.get(`/api/v1/agents/${agents[1]!.id}/drift`);
    expect([driftUnreachable.status, driftUnreachable.body.code]).toEqual([502, 'HOST_UNREACHABLE']);
    const authTest = await portico.api.post(`/api/v1/agents/${rejected!.id}/test`);
    expect(check(authTest.body, 'auth')?.status).toBe('fail');
    const driftRejected = await portico.api.get(`/api/v1/agents/${rejected!.id}/drift`);
    expect([driftRejected.status, driftRejected.body.code]).toEqual([502, 'AUTH_REJECTED']);
    expect(driftRejected.text).not.toMatch(/PRIVATE KEY/);
  });

  it('an agent without a key cannot connect, and says so', async () => {
    const res = await portico.api.post('/api/v1/agents', { name: 'keyless', address: '192.0.2.10' });
    expect(res.status).toBe(201);
    const test = await portico.api.post(`/api/v1/agents/${res.body.id}/test`);
    expect([test.status, test.body.code]).toEqual([409, 'AGENT_KEY_MISSING']);
  });
});
