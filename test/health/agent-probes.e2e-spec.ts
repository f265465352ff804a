import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { OllamaStandIn } from '../doctor/ollama-stand-in.js';
import { agentDocFor } from '../fixtures/fleet-agent.js';
import { SshHost } from '../fixtures/ssh-host.js';
import { FleetApp, until } from '../fleet/fleet-app.js';
import type { ApiClient } from '../support/api-client.js';
import { TestDatabase } from '../support/test-database.js';

// Probes that run on the agent, over the SSH session Portico keeps open to it: an Ollama that
// only the agent can reach (its name resolves in the agent's /etc/hosts, not on Portico's
// machine), and whether the agent's proxy process runs. Real sshd, nginx and the built app.
jest.setTimeout(120_000);

const PRIVATE_NAME = 'ollama.agent-only.internal';

interface Item {
  checkKey: string;
  status: string;
  latest: { outcome: string; message: string; detail?: Record<string, unknown> } | null;
}

let db: TestDatabase;
let portico: FleetApp;
let api: ApiClient;
let host: SshHost;
let ollama: OllamaStandIn;
let agentId: string;
let upstreamId: string;

beforeAll(async () => {
  ollama = await OllamaStandIn.start([]);
  host = await SshHost.start({ flavor: 'nginx', hosts: { [PRIVATE_NAME]: '127.0.0.1' } });
  db = await TestDatabase.create('agent_probes');
  portico = await FleetApp.start(db.url, FleetApp.secretKey(), {
    HEALTH_INTERVAL_SEC: '0.3',
    HEALTH_REFRESH_SEC: '0.3',
    HEALTH_TIMEOUT_SEC: '2',
    HEALTH_DEGRADE_AFTER: '1',
    HEALTH_DOWN_AFTER: '2',
    HEALTH_RISE_AFTER: '1',
  });
  api = portico.api;
  const agent = await api.post('/api/v1/agents', agentDocFor(host));
  expect(agent.status).toBe(201);
  agentId = agent.body.id;
  const upstream = await api.post('/api/v1/upstreams', {
    name: 'gpu-ollama',
    kind: 'ollama',
    probeFrom: 'agents',
    targets: [{ host: PRIVATE_NAME, port: ollama.port }],
  });
  expect(upstream.status).toBe(201);
  expect(upstream.body.probeFrom).toBe('agents');
  upstreamId = upstream.body.id;
  const site = await api.post('/api/v1/sites', {
    name: 'ollama',
    hostnames: ['ollama.example.test'],
    routes: [{ pathPrefix: '/', upstream: 'gpu-ollama', streaming: true }],
    agents: [agent.body.name],
  });
  expect(site.status).toBe(201);
});

/** Until an admin confirms the host key (the connection test pins it), nothing logs in. */
async function confirmHostKey() {
  const test = await api.post(`/api/v1/agents/${agentId}/test`);
  expect(test.status).toBe(200);
}

afterAll(async () => {
  await portico?.stop();
  await db?.drop();
  await host?.stop();
  await ollama?.stop();
});

const health = async (subject: string) => (await api.get(`/api/v1/health?${subject}`)).body.items as Item[];

/** The check's state once it matches; polls the REST snapshot. */
const checkWhen = (key: string, match: (i: Item) => boolean, query: string) =>
  until(async () => (await health(query)).find((i) => i.checkKey === key && match(i)), 30_000);

const acceptedLogins = () =>
  readFileSync(join(host.dir, 'sshd.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('Accepted publickey')).length;

describe('probes on the agent', () => {
  it('does not log in before the host key is confirmed: the agent checks wait, saying why', async () => {
    const waiting = await checkWhen(
      `agent:${agentId}:process`,
      (i) => i.latest !== null,
      `subjectType=agent&subjectId=${agentId}`,
    );
    expect(waiting.status).toBe('degraded');
    expect(waiting.latest).toMatchObject({
      outcome: 'warn',
      message: expect.stringContaining('not confirmed'),
    });
    expect(acceptedLogins()).toBe(0);
    expect((await api.get(`/api/v1/agents/${agentId}`)).body.hostKeyFingerprint).toBeNull();
    await confirmHostKey();
    expect((await api.get(`/api/v1/agents/${agentId}`)).body.hostKeyFingerprint).toBe(
      host.hostKeyFingerprint,
    );
  });

  it('reaches an upstream only the agent can resolve, through the agent (its key names the agent)', async () => {
    const key = `upstream:${upstreamId}:http://${PRIVATE_NAME}:${ollama.port}@${agentId}`;
    const up = await checkWhen(key, (i) => i.status === 'up', `subjectType=upstream&subjectId=${upstreamId}`);
    expect(up.latest).toMatchObject({
      outcome: 'ok',
      message: '1 models',
      detail: { from: 'agent', stage: 'ollama' },
    });
    // Only the agent's view is probed: Portico itself has no check of its own for this target.
    const keys = (await health(`subjectType=upstream&subjectId=${upstreamId}`)).map((i) => i.checkKey);
    expect(keys).toEqual([key]);

    // Probed from Portico instead, the same target does not even resolve: the agent really did it.
    const moved = await api.patch(`/api/v1/upstreams/${upstreamId}`, { probeFrom: 'portico' });
    expect(moved.status).toBe(200);
    const fromPortico = `upstream:${upstreamId}:http://${PRIVATE_NAME}:${ollama.port}`;
    const down = await checkWhen(
      fromPortico,
      (i) => i.status !== 'unknown' && i.status !== 'up' && i.latest !== null,
      `subjectType=upstream&subjectId=${upstreamId}`,
    );
    expect(down.latest?.message).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect((await api.patch(`/api/v1/upstreams/${upstreamId}`, { probeFrom: 'agents' })).status).toBe(200);
    await checkWhen(key, (i) => i.status === 'up', `subjectType=upstream&subjectId=${upstreamId}`);
  });

  it('fails the agent-side probe when the backend stops, with the reason from the agent', async () => {
    const port = ollama.port;
    const key = `upstream:${upstreamId}:http://${PRIVATE_NAME}:${port}@${agentId}`;
    await ollama.stop();
    const down = await checkWhen(
      key,
      (i) => i.status === 'down',
      `subjectType=upstream&subjectId=${upstreamId}`,
    );
    expect(down.latest?.outcome).toBe('fail');
    expect(down.latest?.message).toMatch(/refused|ECONNREFUSED|connect/i);
    ollama = await OllamaStandIn.start([], port);
    await checkWhen(key, (i) => i.status === 'up', `subjectType=upstream&subjectId=${upstreamId}`);

    // The chart's data: recent samples of the check, oldest first, the outage in the middle.
    const history = await api.get(`/api/v1/health/history?subjectType=upstream&subjectId=${upstreamId}`);
    expect(history.status).toBe(200);
    const samples = history.body.items.find((i: { checkKey: string }) => i.checkKey === key).samples as {
      at: string;
      latencyMs: number;
      outcome: string;
      status: string;
    }[];
    const outcomes = samples.map((x) => x.outcome).join(' ');
    expect(outcomes).toMatch(/ok.*fail.*ok/);
    expect(samples.some((x) => x.status === 'down')).toBe(true);
    expect(samples.map((x) => x.at)).toEqual([...samples.map((x) => x.at)].sort());
    expect(samples.every((x) => Number.isInteger(x.latencyMs) && x.latencyMs >= 0)).toBe(true);
    const bad = await api.get('/api/v1/health/history?subjectType=upstream');
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'subjectId' })]);
  });

  it('checks the proxy process with the agent status command, over one kept SSH session', async () => {
    const key = `agent:${agentId}:process`;
    const query = `subjectType=agent&subjectId=${agentId}`;
    const up = await checkWhen(key, (i) => i.status === 'up', query);
    expect(up.latest?.message).toBe('nginx is running');

    // Many probe runs later (process every 0.3 s, the upstream too), still the same login.
    const before = acceptedLogins();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(acceptedLogins() - before).toBeLessThanOrEqual(1);

    await host.stopProxy();
    const down = await checkWhen(key, (i) => i.status === 'down', query);
    expect(down.latest?.message).toMatch(/^nginx is not running \(kill -0 .*exit 1/);
    // The port check says the same from outside; the SSH check is unaffected.
    await checkWhen(`agent:${agentId}:proxy`, (i) => i.status === 'down', query);
    expect((await health(query)).find((i) => i.checkKey === `agent:${agentId}:ssh`)?.status).toBe('up');
    await host.startProxy();
    await checkWhen(key, (i) => i.status === 'up', query);
  });
});
