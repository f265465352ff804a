import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { REPO_ROOT } from '../support/built-app.js';
import { createToken } from '../support/role-clients.js';
import { TestDatabase } from '../support/test-database.js';
import { FleetApp } from './fleet-app.js';
import { createSite, deploy, registerAgents, repoint, targetOf } from './fleet-setup.js';

// Verify says what it saw: a change whose backend is gone (every proxy answers 502) converges,
// but the deployment is `succeeded_with_warnings` with a line per host, on the API, the events
// and the CLI's exit code; a deployment that changed nothing offers nothing to roll back.
jest.setTimeout(180_000);

let db: TestDatabase;
let portico: FleetApp;
let backend: TestUpstream;
let fleet: SshHostFleet;

beforeAll(async () => {
  db = await TestDatabase.create('verify-warnings');
  [portico, backend, fleet] = await Promise.all([
    FleetApp.start(db.url, FleetApp.secretKey()),
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

/** A loopback port nothing listens on (taken, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function cli(args: string[], token: string) {
  return new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(join(REPO_ROOT, 'node_modules/.bin/portico'), args, {
      env: { PATH: process.env.PATH, PORTICO_URL: portico.app.baseUrl, PORTICO_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

describe('verify with upstream errors', () => {
  it('reads succeeded_with_warnings with a line per host, everywhere', async () => {
    const agents = await registerAgents(portico.api, fleet.hosts);
    const site = await createSite(portico.api, agents, backend.port);
    const first = await deploy(portico.api, agents);
    expect(first.status).toBe('succeeded');

    // A deployment that changed nothing: nothing to roll back.
    const noop = await portico.api.post('/api/v1/deployments', {
      agents: agents.map((a) => a.name),
      wait: 60,
    });
    expect(noop.status).toBe(200);
    expect(noop.body.status).toBe('succeeded');
    expect(noop.body.targetCounts).toEqual({ unchanged: 2 });
    const refused = await portico.api.post(`/api/v1/deployments/${noop.body.id}/rollback`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'NOTHING_TO_ROLL_BACK',
      message: expect.stringMatching(/changed no host/),
    });

    await repoint(portico.api, site, await deadPort());
    const res = await portico.api.post('/api/v1/deployments', {
      agents: agents.map((a) => a.name),
      wait: 60,
    });
    expect(res.status).toBe(200);
    const d = res.body;
    expect(d.status).toBe('succeeded_with_warnings');
    expect(d.targetCounts).toEqual({ succeeded: 2 });
    for (const agent of agents) {
      const target = targetOf(d, agent);
      expect(target.status).toBe('succeeded');
      expect((target as unknown as { warning: string }).warning).toBe(
        `upstream errors: ${site.hostname}:${agent.host.httpPort}/ answered 502 ` +
          '(the proxy serves the new config; its backend did not answer)',
      );
    }
    const finished = portico.eventsOf(d.id).filter((e) => e.type.endsWith('.finished'));
    expect(finished.filter((e) => e.type === 'target.finished').map((e) => e.message)).toEqual([
      expect.stringMatching(/answered 502/),
      expect.stringMatching(/answered 502/),
    ]);
    expect(finished.find((e) => e.type === 'deployment.finished')?.status).toBe('succeeded_with_warnings');
    const listed = await portico.api.get('/api/v1/deployments?status=succeeded_with_warnings');
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(d.id);

    // The CLI: a distinct exit code, and the warning line per host.
    await repoint(portico.api, site, await deadPort());
    const { token } = await createToken(portico.api, ['read', 'deploy']);
    const out = await cli(['deploy', '--wait', ...agents.flatMap((a) => ['--agent', a.name])], token);
    expect(out.code).toBe(6);
    for (const agent of agents) expect(out.stdout).toContain(`${agent.name}: succeeded: upstream errors:`);
  });
});
