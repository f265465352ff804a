import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LoopbackAddress } from '../fixtures/loopback-address.js';
import { freePort } from '../fixtures/ports.js';
import { until } from '../fleet/fleet-app.js';
import { WsClient, type WsMessage } from '../gateway/ws-client.js';
import { ProbeTarget } from '../health/probe-target.js';
import type { ApiClient } from '../support/api-client.js';
import { upstreamDoc } from '../support/factories.js';
import { createUser } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// One outbound policy for every connection Portico opens. Traffic stays on loopback: the denied
// range is one leased loopback address (OUTBOUND_DENY) with a listener that counts connections,
// so "refused before any packet" is measured, not assumed; 169.254.0.0/16 is denied by default.
// The ACME directory check fails within ACME_TIMEOUT_SEC with a plain reason.

interface Item {
  checkKey: string;
  latest: { outcome: string; message: string } | null;
}

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;
let lease: LoopbackAddress;
let denied: Server;
let deniedPort: number;
const accepted: Socket[] = [];
const held: Socket[] = [];
let allowed: ProbeTarget;
/** Accepts TCP and never says a word: an ACME directory URL pointing at a non-HTTP service. */
let silent: Server;
let silentPort: number;

const listen = async (server: Server, host: string, port: number) =>
  new Promise<void>((resolve) => server.listen(port, host, resolve));

beforeAll(async () => {
  lease = LoopbackAddress.lease();
  deniedPort = await lease.freePort();
  denied = createServer((socket) => accepted.push(socket));
  await listen(denied, lease.address, deniedPort);
  silentPort = await freePort();
  silent = createServer((socket) => held.push(socket));
  await listen(silent, '127.0.0.1', silentPort);
  allowed = await ProbeTarget.start();
  db = await TestDatabase.create('outbound_policy');
  app = await TestApp.start({
    databaseUrl: db.url,
    timeoutMs: 90_000,
    env: {
      OUTBOUND_DENY: `${lease.address}/32`,
      ACME_TIMEOUT_SEC: '3',
      HEALTH_INTERVAL_SEC: '0.5',
      HEALTH_REFRESH_SEC: '0.3',
    },
  });
  admin = await app.admin();
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
  await allowed?.stop();
  for (const socket of [...accepted, ...held]) socket.destroy();
  await new Promise((r) => denied?.close(r));
  await new Promise((r) => silent?.close(r));
  lease?.release();
});

const latest = async (key: string) => {
  const items = (await admin.get('/api/v1/health?subjectType=upstream')).body.items as Item[];
  return items.find((i) => i.checkKey === key)?.latest ?? null;
};

describe('outbound policy', () => {
  it('refuses a probe target in a denied range before connecting, and probes the others', async () => {
    const up = await admin.post(
      '/api/v1/upstreams',
      upstreamDoc({
        targets: [
          { host: lease.address, port: deniedPort },
          { host: '169.254.169.254', port: 80 },
          { host: '127.0.0.1', port: allowed.port },
        ],
      }),
    );
    expect(up.status).toBe(201);
    const key = (host: string, port: number) => `upstream:${up.body.id}:http://${host}:${port}`;
    const before = allowed.requests;
    // The allowed target is probed several times: the denied ones had as many chances.
    await until(async () => allowed.requests >= before + 4, 60_000);
    expect(await latest(key('127.0.0.1', allowed.port))).toMatchObject({ outcome: 'ok' });
    expect(await latest(key(lease.address, deniedPort))).toMatchObject({
      outcome: 'fail',
      message: `refused by the outbound policy: ${lease.address} is in ${lease.address}/32`,
    });
    expect(await latest(key('169.254.169.254', 80))).toMatchObject({
      outcome: 'fail',
      message: 'refused by the outbound policy: 169.254.169.254 is in 169.254.0.0/16',
    });
    // Not one connection reached the denied listener.
    expect(accepted).toHaveLength(0);
  });

  it('shows viewers that a target is unreachable, not which socket error said so', async () => {
    const closed = await freePort();
    const up = await admin.post(
      '/api/v1/upstreams',
      upstreamDoc({ targets: [{ host: '127.0.0.1', port: closed }] }),
    );
    expect(up.status).toBe(201);
    const key = `upstream:${up.body.id}:http://127.0.0.1:${closed}`;
    const refused = await until(async () => {
      const result = await latest(key);
      return result?.outcome === 'fail' ? result : null;
    }, 60_000);
    // The operator who fixes it reads the socket error…
    expect(refused.message).toMatch(/ECONNREFUSED/);
    // …a viewer reads the state.
    const who = await createUser(admin, 'viewer');
    const viewer = await app.client().login(who.email, who.password);
    const seen = ((await viewer.get('/api/v1/health?subjectType=upstream')).body.items as Item[]).find(
      (i) => i.checkKey === key,
    )!;
    expect(seen.latest).toMatchObject({ outcome: 'fail', message: 'unreachable' });
    // Stored transitions say the same.
    await until(
      async () =>
        (await admin.get(`/api/v1/health/events?checkKey=${encodeURIComponent(key)}`)).body.total > 0,
      60_000,
    );
    const events = (await viewer.get(`/api/v1/health/events?checkKey=${encodeURIComponent(key)}`)).body.items;
    expect(JSON.stringify(events)).not.toMatch(/ECONNREFUSED/);
    expect(events[0].detail.message).toBe('unreachable');

    // And so does the live stream: the viewer's snapshot and the results that follow it, while an
    // operator's socket on the same topic keeps the socket error.
    const cookieOf = (client: ApiClient) => (client.credential as { cookie: string }).cookie;
    const topic = `upstream:${up.body.id}`;
    const operatorWho = await createUser(admin, 'operator');
    const sockets = {
      viewer: await WsClient.connect(app.baseUrl, { cookie: cookieOf(viewer) }),
      operator: await WsClient.connect(app.baseUrl, {
        cookie: cookieOf(await app.client().login(operatorWho.email, operatorWho.password)),
      }),
    };
    try {
      const isResult = (m: WsMessage) =>
        m.event === 'event' && m.data.type === 'health.result' && m.data.checkKey === key;
      for (const ws of Object.values(sockets)) ws.subscribe(topic);
      const snapshot = await sockets.viewer.next((m) => m.event === 'snapshot');
      expect(JSON.stringify(snapshot.data)).not.toMatch(/ECONNREFUSED/);
      expect(snapshot.data.health.find((i: Item) => i.checkKey === key).latest.message).toBe('unreachable');
      expect((await sockets.viewer.next(isResult, 60_000)).data.message).toBe('unreachable');
      expect((await sockets.operator.next(isResult, 60_000)).data.message).toMatch(/ECONNREFUSED/);
    } finally {
      for (const ws of Object.values(sockets)) ws.close();
    }
  });

  it('fails an ACME directory with nothing listening at once: CA unreachable, connection refused', async () => {
    const closed = await freePort();
    const url = `http://127.0.0.1:${closed}/dir`;
    const started = Date.now();
    const res = await admin.post('/api/v1/acme-accounts', { directory: url, termsOfServiceAgreed: true });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      code: 'CA_UNREACHABLE',
      message: `CA unreachable at ${url}: connection refused`,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails an ACME directory that never answers within ACME_TIMEOUT_SEC', async () => {
    const url = `http://127.0.0.1:${silentPort}/dir`;
    const started = Date.now();
    const res = await admin.post('/api/v1/acme-accounts', { directory: url, termsOfServiceAgreed: true });
    const took = Date.now() - started;
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      code: 'CA_UNREACHABLE',
      message: `CA unreachable at ${url}: no answer within 3 s`,
    });
    expect(took).toBeGreaterThanOrEqual(2_900);
    expect(took).toBeLessThan(15_000);
  });

  it('refuses an ACME directory in a denied range without connecting', async () => {
    const res = await admin.post('/api/v1/acme-accounts', {
      directory: `http://${lease.address}:${deniedPort}/dir`,
      termsOfServiceAgreed: true,
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('OUTBOUND_DENIED');
    expect(accepted).toHaveLength(0);
  });
});
