import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { TestDatabase } from '../support/test-database.js';
import { FleetApp, until, waitForDeployment } from './fleet-app.js';
import { createSite, deploy, registerAgents, targetOf } from './fleet-setup.js';

// The periodic drift check: nobody calls GET /drift, yet a hand edit on a host turns the agent's
// drift check amber (still serving, so degraded, never down), and the next deploy clears it at
// once (HEALTH_RISE_AFTER is high here: only the re-check after a deploy can turn it green this
// fast). A check never reads a host a deploy holds, and no-op deploys prune old trees too.
jest.setTimeout(180_000);

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
      HEALTH_RISE_AFTER: '100',
    }),
    TestUpstream.start({ name: 'app' }),
    SshHostFleet.start(['nginx', 'nginx']),
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
    const [agent] = await registerAgents(portico.api, fleet.hosts.slice(0, 1));
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

  it('never reads a host in the middle of a deploy; a no-op deploy prunes old trees', async () => {
    const host = fleet.hosts[1]!;
    const flag = join(host.dir, 'hold-reload');
    // The reload waits while the flag exists: the new tree is live, its deploy not yet recorded.
    const [agent] = await registerAgents(portico.api, [host], (h) => ({
      reloadCommand: `i=0; while [ -e ${flag} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; ${h.proxy.reloadCommand}`,
    }));
    const site = await createSite(portico.api, [agent!], backend.port);
    await deploy(portico.api, [agent!]);
    await until(async () => ((await driftCheck(agent!.id))?.status === 'up' ? true : null), 30_000);

    writeFileSync(flag, '');
    let id = '';
    try {
      await portico.api.patch(`/api/v1/sites/${site.siteId}`, {
        hostnames: [site.hostname, `www.${site.hostname}`],
      });
      const res = await portico.api.post('/api/v1/deployments', { agents: [agent!.name] });
      expect(res.status).toBe(202);
      id = res.body.id;
      await until(async () => {
        const d = (await portico.api.get(`/api/v1/deployments/${id}`)).body;
        return targetOf(d, agent!).step === 'reload' ? d : null;
      });
      // Drift checks come due every second: let five rounds of the agent's SSH check pass meanwhile.
      const rounds = new Set<string>();
      await until(async () => {
        const res = await portico.api.get(`/api/v1/health?subjectType=agent&subjectId=${agent!.id}`);
        const other = (res.body.items as { checkKey: string; latest: { at: string } | null }[]).find((i) =>
          i.checkKey.endsWith(':ssh'),
        );
        if (other?.latest) rounds.add(other.latest.at);
        return rounds.size >= 5;
      }, 60_000);
      const during = await portico.api.get(`/api/v1/deployments/${id}`);
      expect(targetOf(during.body, agent!).step).toBe('reload');
    } finally {
      rmSync(flag, { force: true });
    }
    expect(targetOf(await waitForDeployment(portico.api, id), agent!).status).toBe('succeeded');
    const checks = await portico.api.get(`/api/v1/health/events?subjectType=agent&subjectId=${agent!.id}`);
    expect(
      checks.body.items
        .filter((e: { checkKey: string }) => e.checkKey.endsWith(':drift'))
        .map((e: { to: string }) => e.to),
    ).not.toContain('degraded');
    expect((await driftCheck(agent!.id))?.status).toBe('up');

    // Old trees and a staging leftover of an interrupted run on a host with nothing to deploy.
    const revisions = join(host.configRoot, 'revisions');
    for (let i = 0; i < 8; i++) mkdirSync(join(revisions, `old-${i}`), { recursive: true });
    mkdirSync(join(revisions, '.staging-leftover'));
    const noop = await deploy(portico.api, [agent!]);
    expect(targetOf(noop, agent!).status).toBe('unchanged');
    expect(targetOf(noop, agent!).log).toMatch(/prune done/);
    expect(existsSync(join(revisions, '.staging-leftover'))).toBe(false);
    expect(readdirSync(revisions).length).toBeLessThanOrEqual(6); // keepRevisions 5 + live
  });
});
