import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePorts } from '../fixtures/ports.js';
import { ProbeProxy } from '../health/probe-proxy.js';
import { ProbeTarget } from '../health/probe-target.js';
import type { ApiClient } from '../support/api-client.js';
import { agentDoc, siteDoc, upstreamDoc } from '../support/factories.js';
import { createToken, createUser } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { WsClient } from './ws-client.js';

// One API with fast health checks against real targets (one behind a real nginx), and
// dashboards connecting over /api/v1/ws.

const FAST = {
  HEALTH_INTERVAL_SEC: '0.3',
  HEALTH_REFRESH_SEC: '0.3',
  HEALTH_TIMEOUT_SEC: '1',
  HEALTH_LEASE_SEC: '3',
};

async function until<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('health API and WebSocket gateway', () => {
  let db: TestDatabase;
  let app: TestApp;
  let admin: ApiClient;
  let cookie: string;
  const targets: ProbeTarget[] = [];
  let proxy: ProbeProxy | null = null;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-gw-'));
    db = await TestDatabase.create('gateway');
    app = await TestApp.start({ databaseUrl: db.url, env: FAST });
    admin = await app.admin();
    cookie = (admin.credential as { cookie: string }).cookie;
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    await proxy?.stop();
    for (const t of targets) await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function upstreamOn(target: ProbeTarget, kind = 'generic'): Promise<string> {
    const res = await admin.post(
      '/api/v1/upstreams',
      upstreamDoc({ kind, targets: [{ host: '127.0.0.1', port: target.port }] }),
    );
    expect(res.status).toBe(201);
    return res.body.id;
  }

  const stateOf = async (checkKey: string) =>
    ((await admin.get('/api/v1/health')).body.items as { checkKey: string; status: string }[]).find(
      (i) => i.checkKey === checkKey,
    );

  it('refuses a WebSocket without credentials or with a bad token (close 4401), accepts cookie, bearer and ?token=', async () => {
    const anonymous = await WsClient.connect(app.baseUrl);
    expect(await anonymous.closed).toBe(4401);
    const forged = await WsClient.connect(app.baseUrl, { bearer: 'ptk_not-a-real-token' });
    expect(await forged.closed).toBe(4401);

    const viewer = await createUser(admin, 'viewer');
    const viewerClient = await admin.login(viewer.email, viewer.password);
    const token = await createToken(admin, ['read']);
    for (const options of [
      { cookie: (viewerClient.credential as { cookie: string }).cookie },
      { bearer: token.token },
      { token: token.token },
    ]) {
      const ws = await WsClient.connect(app.baseUrl, options);
      expect((await ws.next((m) => m.event === 'ready')).data.email).toMatch(/@portico\.test$/);
      ws.close();
    }
  });

  it('lets a viewer watch topics, refuses tokens without read, bad topics and things that do not exist', async () => {
    const deployOnly = await createToken(admin, ['deploy']);
    const ws = await WsClient.connect(app.baseUrl, { bearer: deployOnly.token });
    ws.subscribe('fleet');
    expect((await ws.next((m) => m.event === 'error')).data).toMatchObject({
      code: 'FORBIDDEN',
      topic: 'fleet',
    });
    ws.close();

    const viewer = await createUser(admin, 'viewer');
    const viewerWs = await WsClient.connect(app.baseUrl, {
      cookie: ((await admin.login(viewer.email, viewer.password)).credential as { cookie: string }).cookie,
    });
    viewerWs.subscribe('fleet');
    expect((await viewerWs.next((m) => m.event === 'snapshot')).data).toMatchObject({ topic: 'fleet' });
    viewerWs.subscribe('site:not-a-uuid');
    expect((await viewerWs.next((m) => m.data?.code === 'INVALID_TOPIC')).data.topic).toBe('site:not-a-uuid');
    viewerWs.subscribe('site:00000000-0000-4000-8000-000000000000');
    expect((await viewerWs.next((m) => m.data?.code === 'NOT_FOUND')).data.topic).toBe(
      'site:00000000-0000-4000-8000-000000000000',
    );
    viewerWs.close();
  });

  it('stores transitions, and a late subscriber gets a snapshot first, then the deltas', async () => {
    const target = await ProbeTarget.start();
    targets.push(target);
    const upstreamId = await upstreamOn(target, 'ollama');
    const checkKey = `upstream:${upstreamId}:http://127.0.0.1:${target.port}`;
    await until(async () => (await stateOf(checkKey))?.status === 'up');

    // Opened late: the check is already up. The snapshot must say so.
    const ws = await WsClient.connect(app.baseUrl, { cookie });
    const fleet = await WsClient.connect(app.baseUrl, { cookie });
    ws.subscribe(`upstream:${upstreamId}`);
    fleet.subscribe('fleet');
    const snapshot = await ws.next((m) => m.event === 'snapshot');
    expect(snapshot.data.upstream.id).toBe(upstreamId);
    expect(snapshot.data.health).toEqual([
      expect.objectContaining({
        checkKey,
        status: 'up',
        latest: expect.objectContaining({ outcome: 'ok', message: '2 models' }),
      }),
    ]);
    await fleet.next((m) => m.event === 'snapshot');
    // Results stream to the subject's watchers (not to the fleet view).
    await ws.next(
      (m) => m.event === 'event' && m.data.type === 'health.result' && m.data.checkKey === checkKey,
    );

    target.mode = 'fail';
    const down = await ws.next(
      (m) => m.event === 'event' && m.data.type === 'health.transition' && m.data.status === 'down',
    );
    expect(down.data).toMatchObject({
      checkKey,
      from: 'degraded',
      message: 'HTTP 503',
      topics: ['fleet', `upstream:${upstreamId}`],
    });
    const order = ws.messages.map((m) => (m.event === 'event' ? `${m.data.type}:${m.data.status}` : m.event));
    expect(order.indexOf('snapshot')).toBeLessThan(order.indexOf('health.transition:degraded'));
    expect(order.indexOf('health.transition:degraded')).toBeLessThan(order.indexOf('health.transition:down'));
    await fleet.next(
      (m) => m.data?.type === 'health.transition' && m.data.checkKey === checkKey && m.data.status === 'down',
    );
    expect(fleet.messages.some((m) => m.data?.type === 'health.result')).toBe(false);

    target.mode = 'ok';
    await ws.next(
      (m) => m.data?.type === 'health.transition' && m.data.status === 'up' && m.data.from === 'down',
    );
    const events = await admin.get(`/api/v1/health/events?checkKey=${encodeURIComponent(checkKey)}`);
    expect(events.body.items.map((e: { from: string; to: string }) => `${e.from}>${e.to}`).reverse()).toEqual(
      ['unknown>up', 'up>degraded', 'degraded>down', 'down>up'],
    );
    ws.close();
    fleet.close();
  });

  it('damps a flapping target: alternating answers give one transition, not one per probe', async () => {
    const target = await ProbeTarget.start();
    targets.push(target);
    target.mode = 'flap';
    const upstreamId = await upstreamOn(target);
    const checkKey = `upstream:${upstreamId}:http://127.0.0.1:${target.port}`;
    await until(async () => (await stateOf(checkKey))?.status);
    const before = target.requests;
    await until(async () => target.requests >= before + 12);
    const events = await admin.get(`/api/v1/health/events?checkKey=${encodeURIComponent(checkKey)}`);
    expect(events.body.total).toBe(1);
  });

  it('probes a site through the agent that serves it, with the site hostname, via a real nginx', async () => {
    const target = await ProbeTarget.start();
    targets.push(target);
    const [httpPort, httpsPort] = await freePorts(2);
    proxy = new ProbeProxy(dir, httpPort!, httpsPort!);
    await proxy.start([{ host: 'chat.portico.test', targetPort: target.port, websocket: true }]);
    const agent = await admin.post('/api/v1/agents', agentDoc({ address: '127.0.0.1', httpPort, httpsPort }));
    expect(agent.status).toBe(201);
    const upstream = await admin.post(
      '/api/v1/upstreams',
      upstreamDoc({ targets: [{ host: '127.0.0.1', port: target.port }] }),
    );
    const site = await admin.post(
      '/api/v1/sites',
      siteDoc(upstream.body.name, { hostnames: ['chat.portico.test'], agents: [agent.body.name] }),
    );
    expect(site.status).toBe(201);
    const siteId = site.body.id as string;
    const ws = await WsClient.connect(app.baseUrl, { cookie });
    ws.subscribe(`site:${siteId}`);
    await ws.next((m) => m.event === 'snapshot');
    const keys = [`site:${siteId}:http@${agent.body.id}`, `site:${siteId}:websocket@${agent.body.id}`];
    await until(async () => {
      const items = (await admin.get(`/api/v1/health?subjectType=site&subjectId=${siteId}`)).body.items;
      return keys.every((k) =>
        items.some((i: { checkKey: string; status: string }) => i.checkKey === k && i.status === 'up'),
      );
    });
    const result = await ws.next((m) => m.data?.type === 'health.result' && m.data.checkKey === keys[1]);
    expect(result.data).toMatchObject({
      outcome: 'ok',
      message: 'HTTP 101',
      topics: [`site:${siteId}`, `agent:${agent.body.id}`],
    });

    // The upstream behind nginx fails: nginx answers 503 for it, the site goes down.
    target.mode = 'fail';
    await ws.next(
      (m) => m.data?.type === 'health.transition' && m.data.checkKey === keys[0] && m.data.status === 'down',
    );
    ws.close();
  });
});
