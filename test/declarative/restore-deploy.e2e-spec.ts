import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { FleetApp } from '../fleet/fleet-app.js';
import { createSite, deploy, registerAgents, servedBy, targetOf } from '../fleet/fleet-setup.js';
import { TestDatabase } from '../support/test-database.js';

// A backup restored into a fresh database is the same Portico: deploying from it to the hosts
// the original deployed to finds exactly the files it would write already there (unchanged),
// with the sealed SSH keys and pinned host keys that came back with the backup.
jest.setTimeout(120_000);

let dbA: TestDatabase;
let dbC: TestDatabase;
let original: FleetApp;
let restoredApp: FleetApp;
let backend: TestUpstream;
let fleet: SshHostFleet;

beforeAll(async () => {
  const key = FleetApp.secretKey();
  [dbA, dbC] = await Promise.all([TestDatabase.create('restore_a'), TestDatabase.create('restore_c')]);
  [original, restoredApp, backend, fleet] = await Promise.all([
    FleetApp.start(dbA.url, key),
    FleetApp.start(dbC.url, key),
    TestUpstream.start({ name: 'app' }),
    SshHostFleet.start(['nginx', 'apache']),
  ]);
});

afterAll(async () => {
  await fleet?.stop();
  await Promise.all([original?.stop(), restoredApp?.stop(), backend?.stop()]);
  await Promise.all([dbA?.drop(), dbC?.drop()]);
});

describe('backup and restore onto real hosts', () => {
  it('the restored Portico deploys identical files: every target is unchanged', async () => {
    const agents = await registerAgents(original.api, fleet.hosts);
    const site = await createSite(original.api, agents, backend.port);
    const first = await deploy(original.api, agents);
    expect(first.status).toBe('succeeded');

    const backup = await original.api.get('/api/v1/backup');
    expect(backup.status).toBe(200);
    const restored = await restoredApp.api.request('POST', '/api/v1/restore', {
      raw: JSON.stringify(backup.body),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(restored.status).toBe(200);

    // The restore replaced the users (and ended sessions): sign in again as the same admin.
    const api = await restoredApp.app.admin();
    const again = await deploy(api, agents);
    expect(again.status).toBe('succeeded');
    for (const agent of agents) {
      const target = targetOf(again, agent);
      expect({ agent: agent.name, status: target.status }).toEqual({
        agent: agent.name,
        status: 'unchanged',
      });
      expect(target.fileHashes).toEqual(targetOf(first, agent).fileHashes);
      const drift = await api.get(`/api/v1/agents/${agent.id}/drift`);
      expect(drift.body).toMatchObject({ inSync: true, changed: [], missing: [], extra: [] });
      expect(await servedBy(agent.host, site.hostname)).toBe('app');
      const siteFile = Object.keys(target.fileHashes).find((p) => p.includes('/sites/'))!;
      expect(readFileSync(join(agent.host.configRoot, 'live', siteFile), 'utf8')).toContain(site.hostname);
    }
  });
});
