import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { SshHost } from '../fixtures/ssh-host.js';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { TestDatabase } from '../support/test-database.js';
import { FleetApp, until, waitForDeployment } from './fleet-app.js';
import {
  createSite,
  deploy,
  type RegisteredAgent,
  registerAgents,
  repoint,
  servedBy,
  type TargetView,
  targetOf,
} from './fleet-setup.js';

// Serialization per agent, two API instances on one database, and an instance dying mid-deploy.
// Slow hosts are real: their reload command sleeps before reloading the real proxy.
jest.setTimeout(180_000);

const WAIT_MS = 4_000;
const SHARED = { DEPLOY_AGENT_WAIT_MS: String(WAIT_MS), DEPLOY_CONCURRENCY: '1' };

let db: TestDatabase;
let secret: string;
let a: FleetApp;
let v1: TestUpstream;
let v2: TestUpstream;
let fleet: SshHostFleet | undefined;
const extraApps: FleetApp[] = [];
const extraDbs: TestDatabase[] = [];

beforeAll(async () => {
  db = await TestDatabase.create('fleet-instances');
  secret = FleetApp.secretKey();
  [a, v1, v2] = await Promise.all([
    FleetApp.start(db.url, secret, SHARED),
    TestUpstream.start({ name: 'v1' }),
    TestUpstream.start({ name: 'v2' }),
  ]);
});

afterEach(async () => {
  for (const app of extraApps.splice(0)) await app.stop();
  await fleet?.stop();
  fleet = undefined;
  for (const extra of extraDbs.splice(0)) await extra.drop();
});

afterAll(async () => {
  await a?.stop();
  await Promise.all([v1?.stop(), v2?.stop()]);
  await db?.drop();
});

/**
 * Sleeps before every reload (seconds); with `flag`, waits instead for as long as that file
 * exists (at most `seconds`), so the test can release a reload left behind by a killed instance.
 */
function slowReload(host: SshHost, seconds: number, flag?: string): { reloadCommand: string } {
  const wait = flag
    ? `i=0; while [ -e ${flag} ] && [ $i -lt ${seconds * 10} ]; do sleep 0.1; i=$((i+1)); done`
    : `sleep ${seconds}`;
  return { reloadCommand: `${wait}; ${host.proxy.reloadCommand}` };
}

function interval(target: TargetView): [number, number] {
  return [Date.parse(target.startedAt ?? ''), Date.parse(target.finishedAt ?? '')];
}

async function post(app: FleetApp, agents: RegisteredAgent[]): Promise<string> {
  const res = await app.api.post('/api/v1/deployments', { agents: agents.map((x) => x.name) });
  expect(res.status).toBe(202);
  return res.body.id;
}

describe('deploys to one agent are serialized', () => {
  it('a deploy that starts while another covers the agent waits for it, then runs', async () => {
    fleet = await SshHostFleet.start(['nginx']);
    const agents = await registerAgents(a.api, fleet.hosts, (h) => slowReload(h, 1));
    const site = await createSite(a.api, agents, v1.port);
    const first = await post(a, agents);
    await repoint(a.api, site, v2.port);
    const second = await post(a, agents);

    const [d1, d2] = [await waitForDeployment(a.api, first), await waitForDeployment(a.api, second)];
    expect([d1.status, d2.status]).toEqual(['succeeded', 'succeeded']);
    const [t1, t2] = [targetOf(d1, agents[0]!), targetOf(d2, agents[0]!)];
    expect([t1.status, t2.status]).toEqual(['succeeded', 'succeeded']);
    expect(interval(t2)[0]).toBeGreaterThanOrEqual(interval(t1)[1]);
    expect(await servedBy(agents[0]!.host, site.hostname, 'v2')).toBe('v2');
    expect(agents[0]!.host.reloadCount()).toBe(2);
  });

  it('a deploy that waits longer than DEPLOY_AGENT_WAIT_MS fails clearly with AGENT_BUSY', async () => {
    fleet = await SshHostFleet.start(['nginx']);
    const agents = await registerAgents(a.api, fleet.hosts, (h) => slowReload(h, (WAIT_MS + 2_500) / 1000));
    const site = await createSite(a.api, agents, v1.port);
    const first = await post(a, agents);
    await until(async () => (await a.api.get(`/api/v1/deployments/${first}`)).body.status === 'running');
    await repoint(a.api, site, v2.port);
    const second = await post(a, agents);

    const d2 = await waitForDeployment(a.api, second);
    expect(d2.status).toBe('failed');
    expect(targetOf(d2, agents[0]!)).toMatchObject({
      status: 'failed',
      startedAt: null,
      error: expect.stringMatching(/^AGENT_BUSY: agent .* was busy with another deployment for 4 s/),
    });
    const d1 = await waitForDeployment(a.api, first);
    expect(d1.status).toBe('succeeded');
    expect(await servedBy(agents[0]!.host, site.hostname, 'v1')).toBe('v1');
  });
});

describe('several API instances on one database', () => {
  it('run each target exactly once and keep the per-agent serialization across instances', async () => {
    fleet = await SshHostFleet.start(['nginx', 'apache', 'nginx']);
    // Two instances on a database of their own that wait for an agent as long as it takes: this
    // test is about serialization, and on a loaded machine queued deploys can exceed 4 s.
    const own = await TestDatabase.create('fleet-instances-pair');
    extraDbs.push(own);
    const patient = { ...SHARED, DEPLOY_AGENT_WAIT_MS: '60000' };
    const [x, y] = await Promise.all([
      FleetApp.start(own.url, secret, patient),
      FleetApp.start(own.url, secret, patient),
    ]);
    extraApps.push(x, y);
    const agents = await registerAgents(x.api, fleet.hosts, (h) => slowReload(h, 0.5));
    const site = await createSite(x.api, agents, v1.port);

    const [fromA, fromB] = await Promise.all([post(x, agents), post(y, agents)]);
    const [da, db2] = [await waitForDeployment(x.api, fromA), await waitForDeployment(y.api, fromB)];
    expect([da.status, db2.status]).toEqual(['succeeded', 'succeeded']);

    const targets: TargetView[] = [...da.targets, ...db2.targets];
    expect(targets).toHaveLength(6);
    // Both instances worked (each runs one target at a time here), each target on exactly one.
    expect(new Set(targets.map((t) => t.instanceId)).size).toBe(2);
    const started = [...x.events, ...y.events].filter((e) => e.type === 'target.started');
    for (const t of targets) {
      expect(
        started.filter((e) => e.deploymentId === t.deploymentId && e.agentId === t.agentId),
      ).toHaveLength(1);
    }
    for (const agent of agents) {
      const [x, y] = [targetOf(da, agent), targetOf(db2, agent)].sort(
        (p, q) => interval(p)[0] - interval(q)[0],
      );
      expect(interval(y!)[0]).toBeGreaterThanOrEqual(interval(x!)[1]);
      // Same revision twice: the second run found everything in place. One reload per host.
      expect([x!.status, y!.status]).toEqual(['succeeded', 'unchanged']);
      expect(agent.host.reloadCount()).toBe(1);
      expect(await servedBy(agent.host, site.hostname, 'v1')).toBe('v1');
    }
  });
});

describe('restart recovery', () => {
  it('an instance killed mid-deploy: the next one verifies the tree it left live, and nothing stays running', async () => {
    const own = await TestDatabase.create('fleet-restart');
    extraDbs.push(own);
    fleet = await SshHostFleet.start(['nginx', 'nginx']);
    const [slowHost, fastHost] = fleet.hosts;
    const flag = join(slowHost!.dir, 'slow-reload');
    const first = await FleetApp.start(own.url, secret);
    let killed = false;
    try {
      const agents = await registerAgents(first.api, fleet.hosts, (h) =>
        h === slowHost ? slowReload(h, 60, flag) : {},
      );
      const site = await createSite(first.api, agents, v1.port);
      expect((await deploy(first.api, agents)).status).toBe('succeeded');

      writeFileSync(flag, '');
      await repoint(first.api, site, v2.port);
      const id = await post(first, agents);
      // The slow host is inside its reload; the fast one has long finished.
      await until(async () => {
        const d = (await first.api.get(`/api/v1/deployments/${id}`)).body;
        return targetOf(d, agents[0]!).step === 'reload' && targetOf(d, agents[1]!).status === 'succeeded';
      });
      await first.kill();
      killed = true;
      // The reload the killed instance started may now finish on its own; recovery does not rely on it.
      rmSync(flag);

      const second = await FleetApp.start(own.url, secret);
      extraApps.push(second);
      // Recovery takes the target over and settles the host: the new tree was live but not
      // loaded, so it is validated, reloaded and verified, and the target reports what it serves.
      const after = await waitForDeployment(second.api, id);
      expect(after.status).toBe('succeeded');
      expect(targetOf(after, agents[1]!).status).toBe('succeeded');
      const recovered = targetOf(after, agents[0]!);
      expect(recovered).toMatchObject({ status: 'succeeded', step: null, error: null });
      expect(recovered.log).toMatch(
        /recovery by .*: INSTANCE_LOST: API instance .* stopped during step reload/,
      );
      expect(recovered.log).toMatch(
        /recovery: the target's tree .* is live: validated, reloaded and verified/,
      );
      const open = await own.query(
        `SELECT count(*)::int AS n FROM "DeploymentTarget" WHERE status IN ('running', 'pending')`,
      );
      expect(open[0]!.n).toBe(0);
      expect(await servedBy(slowHost!, site.hostname, 'v2')).toBe('v2');
      expect(await servedBy(fastHost!, site.hostname, 'v2')).toBe('v2');

      // The recovered instance deploys normally.
      const next = await deploy(second.api, agents);
      expect(next.status).toBe('succeeded');
    } finally {
      rmSync(flag, { force: true });
      if (!killed) await first.stop();
    }
  });
});
