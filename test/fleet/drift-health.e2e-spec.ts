import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { TestDatabase } from '../support/test-database.js';
import { FleetApp, until } from './fleet-app.js';
import { createSite, deploy, registerAgents, targetOf } from './fleet-setup.js';

// The periodic drift check: nobody calls GET /drift, yet a hand edit on a host turns the agent's
// drift check amber (still serving, so degraded, never down), and the next deploy clears it.
jest.setTimeout(120_000);

let db: TestDatabase;
let portico: FleetApp;
let backend: TestUpstream;
let fleet: SshHostFleet;

beforeAll(async () => {
  db = await TestDatabase.create('drift-health');
  [portico, backend, fleet] = await Promise.all([
    FleetApp.start(db.url, FleetApp.secretKey(), {
      HEALTH_INTERVAL_SEC: '1',
      HEALTH_DRIFT_INTERVAL_SEC: '1',
      HEALTH_REFRESH_SEC: '0.5',
      HEALTH_DEGRADE_AFTER: '1',
      HEALTH_RISE_AFTER: '1',
    }),
    TestUpstream.start({ name: 'app' }),
    SshHostFleet.start(['nginx']),
  ]);
});

afterAll(async () => {
  await fleet?.stop();
  await portico?.stop();
  await backend?.stop();
  await db?.drop();
});

async function driftCheck(agentId: string) {
  const res = await portico.api.get(`/api/v1/health?subjectType=agent&subjectId=${agentId}`);
  expect(res.status).toBe(200);
  return res.body.items.find((i: { checkKey: string }) => i.checkKey === `agent:${agentId}:drift`) as
    | { status: string; latest: { outcome: string; message: string } | null }
    | undefined;
}

describe('periodic drift check', () => {
  it('turns amber after a hand edit on the host and green after the next deploy', async () => {
    const [agent] = await registerAgents(portico.api, fleet.hosts);
    await createSite(portico.api, [agent!], backend.port);
    const done = await deploy(portico.api, [agent!]);
    expect(targetOf(done, agent!).status).toBe('succeeded');

    const inSync = await until(async () => {
      const check = await driftCheck(agent!.id);
      return check?.status === 'up' && check.latest?.message.includes('in sync') ? check : null;
    }, 30_000);
    expect(inSync.latest?.outcome).toBe('ok');

    const siteFile = Object.keys(targetOf(done, agent!).fileHashes).find((p) =>
      p.startsWith('nginx/sites/'),
    )!;
    writeFileSync(join(agent!.host.configRoot, 'live', siteFile), '# edited by hand\n');

    const drifted = await until(async () => {
      const check = await driftCheck(agent!.id);
      return check?.status === 'degraded' ? check : null;
    }, 30_000);
    expect(drifted.latest?.outcome).toBe('warn');
    expect(drifted.latest?.message).toBe('config drift: 1 changed');

    const events = await portico.api.get(`/api/v1/health/events?subjectType=agent&subjectId=${agent!.id}`);
    expect(
      events.body.items.some(
        (e: { checkKey: string; to: string }) => e.checkKey.endsWith(':drift') && e.to === 'degraded',
      ),
    ).toBe(true);

    await deploy(portico.api, [agent!]);
    await until(async () => ((await driftCheck(agent!.id))?.status === 'up' ? true : null), 30_000);
  });
});
