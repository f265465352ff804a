import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { FleetApp } from './fleet-app.js';
import { createSite, registerAgents, servedBy, targetOf } from './fleet-setup.js';

// The zero-setup default: one instance on its embedded database. Agent locks are kept in the
// process (there is no other instance), so no database connection is spent on them.
jest.setTimeout(120_000);

let portico: FleetApp;
let backend: TestUpstream;
let fleet: SshHostFleet;

beforeAll(async () => {
  [portico, backend, fleet] = await Promise.all([
    FleetApp.start(undefined, FleetApp.secretKey()),
    TestUpstream.start({ name: 'app' }),
    SshHostFleet.start(['nginx', 'apache']),
  ]);
});

afterAll(async () => {
  await portico?.stop();
  await backend?.stop();
  await fleet?.stop();
});

it('deploys to a fleet on the embedded database, then redeploys as a no-op', async () => {
  const agents = await registerAgents(portico.api, fleet.hosts);
  const site = await createSite(portico.api, agents, backend.port);
  const first = await portico.api.post('/api/v1/deployments', { all: true, wait: 30 });
  expect([first.status, first.body.status]).toEqual([200, 'succeeded']);
  for (const agent of agents) expect(await servedBy(agent.host, site.hostname, 'app')).toBe('app');
  const again = await portico.api.post('/api/v1/deployments', { all: true, wait: 30 });
  expect([again.status, again.body.status]).toEqual([200, 'succeeded']);
  for (const agent of agents) {
    expect(targetOf(again.body, agent).status).toBe('unchanged');
    expect(agent.host.reloadCount()).toBe(1);
  }
});
