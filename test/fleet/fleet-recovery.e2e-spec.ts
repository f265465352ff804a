import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
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
  type TestSiteRefs,
  targetOf,
} from './fleet-setup.js';

// An API instance SIGKILLed at each step of the host protocol, with a good change and with one
// its verify rejects (the backend answers 500), on three real sshd + nginx hosts. The instance
// that runs next (restarted, or a second one already running) must leave every host on the last
// verified config or on the new verified one, and say so. The killed instance stops at a known
// point through DEPLOY_TEST_HOLD_AFTER_STEP: its run records "held after <step>" and waits there.
jest.setTimeout(1_500_000);

const STEPS = ['stage', 'validate', 'switch', 'reload', 'verify'] as const;
type Step = (typeof STEPS)[number];

let db: TestDatabase;
let secret: string;
let fleet: SshHostFleet;
let good: Record<'v1' | 'v2', TestUpstream>;
let bad: TestUpstream;
let app: FleetApp | undefined;
let agents: RegisteredAgent[];
let site: TestSiteRefs;
/** The good backend every host serves now. */
let serving: 'v1' | 'v2' = 'v1';

beforeAll(async () => {
  db = await TestDatabase.create('fleet-recovery');
  secret = FleetApp.secretKey();
  const [v1, v2, broken, hosts] = await Promise.all([
    TestUpstream.start({ name: 'v1' }),
    TestUpstream.start({ name: 'v2' }),
    TestUpstream.start({ name: 'broken', status: 500 }),
    SshHostFleet.start(['nginx', 'nginx', 'nginx']),
  ]);
  good = { v1, v2 };
  bad = broken;
  fleet = hosts;
  app = await FleetApp.start(db.url, secret);
  agents = await registerAgents(app.api, fleet.hosts);
  site = await createSite(app.api, agents, v1.port);
  expect((await deploy(app.api, agents)).status).toBe('succeeded');
});

afterAll(async () => {
  await app?.stop();
  await fleet?.stop();
  await Promise.all([good?.v1.stop(), good?.v2.stop(), bad?.stop()]);
  await db?.drop();
});

/**
 * Deploys a change through an instance that holds after `step` on every host, SIGKILLs it there,
 * and lets the next instance finish: restarted afterwards, or (takeover) already running.
 */
async function killAt(step: Step, change: 'good' | 'bad', mode: 'restart' | 'takeover') {
  await app?.stop();
  app = undefined;
  const holder = await FleetApp.start(db.url, secret, { DEPLOY_TEST_HOLD_AFTER_STEP: step });
  let killed = false;
  try {
    const next = serving === 'v1' ? 'v2' : 'v1';
    await repoint(holder.api, site, change === 'good' ? good[next].port : bad.port);
    const res = await holder.api.post('/api/v1/deployments', { agents: agents.map((a) => a.name) });
    expect(res.status).toBe(202);
    const id: string = res.body.id;
    await until(async () => {
      const rows = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "DeploymentTarget" WHERE "deploymentId" = $1 AND "log" LIKE $2`,
        [id, `%held after ${step} %`],
      );
      return rows[0]!.n === agents.length;
    }, 120_000);
    if (mode === 'takeover') app = await FleetApp.start(db.url, secret);
    await holder.kill();
    killed = true;
    app ??= await FleetApp.start(db.url, secret);

    const done = await waitForDeployment(app.api, id, 180_000);
    const expected = change === 'good' ? next : serving;
    for (const agent of agents) {
      const target = targetOf(done, agent);
      expect(await servedBy(agent.host, site.hostname, expected)).toBe(expected);
      expect(target.status).toBe(change === 'good' ? 'succeeded' : 'rolled_back');
      expect(target.log).toMatch(/recovery by .*: INSTANCE_LOST: API instance .* stopped during step/);
    }
    expect(done.status).toBe(change === 'good' ? 'succeeded' : 'failed');
    if (change === 'good') serving = next;
    // Nothing is left open, and the next deploy from the recovered instance is a no-op or a change.
    const open = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "DeploymentTarget" WHERE status IN ('running', 'pending')`,
    );
    expect(open[0]!.n).toBe(0);
    return done;
  } finally {
    if (!killed) await holder.stop();
  }
}

describe('an instance killed at each step of the protocol', () => {
  for (const step of STEPS) {
    it(`after ${step}, a good change: every host ends on the new verified config`, async () => {
      await killAt(step, 'good', 'restart');
    });
    it(`after ${step}, a change verify rejects: every host ends on the last verified config`, async () => {
      const done = await killAt(step, 'bad', 'restart');
      for (const agent of agents) {
        expect(targetOf(done, agent).error ?? '').toMatch(/answered 500|returned to the last verified tree/);
      }
    });
  }
});

describe('a second instance takes over from one that died', () => {
  it('after switch, a good change: the survivor verifies the new tree', async () => {
    await killAt('switch', 'good', 'takeover');
  });
  it('after reload, a change verify rejects: the survivor returns every host to the verified tree', async () => {
    await killAt('reload', 'bad', 'takeover');
  });
});
