import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ProbeTarget } from '../health/probe-target.js';
import type { ApiClient } from '../support/api-client.js';
import { upstreamDoc } from '../support/factories.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { WsClient } from './ws-client.js';

// Two API instances on one Postgres and one Redis: checks are shared out (each runs once),
// a dashboard on B sees what A observed, and when A dies its checks move to B.

const REDIS_URL = process.env.PORTICO_TEST_REDIS ?? 'redis://127.0.0.1:6379';

async function until<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Runtime {
  instance: string;
  members: string[];
  planned: number;
  owned: number;
  ownedKeys: string[];
}

describe('two API instances with Redis', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let adminA: ApiClient;
  let adminB: ApiClient;
  let target: ProbeTarget;

  beforeAll(async () => {
    db = await TestDatabase.create('health_cluster');
    const env = {
      REDIS_URL,
      // Channels of their own: other test files share this Redis.
      REDIS_PREFIX: `portico-test-${randomBytes(4).toString('hex')}`,
      HEALTH_INTERVAL_SEC: '0.3',
      HEALTH_REFRESH_SEC: '0.3',
      HEALTH_TIMEOUT_SEC: '1',
      HEALTH_LEASE_SEC: '2',
    };
    a = await TestApp.start({ databaseUrl: db.url, env });
    b = await TestApp.start({ databaseUrl: db.url, env });
    adminA = await a.admin();
    adminB = await b.admin();
    target = await ProbeTarget.start();
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await target?.stop();
  });

  it('shares checks out, carries events across instances, and moves a dead instance’s checks', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await adminA.post(
        '/api/v1/upstreams',
        upstreamDoc({ targets: [{ host: '127.0.0.1', port: target.port }] }),
      );
      expect(res.status).toBe(201);
    }
    const runtime = async (client: ApiClient) => (await client.get('/api/v1/health/runtime')).body as Runtime;
    const [ra, rb] = await until<[Runtime, Runtime]>(async () => {
      const both = [await runtime(adminA), await runtime(adminB)];
      const settled = both.every((r) => r.members.length === 2 && r.planned === 8 && r.owned > 0);
      return settled && both[0]!.owned + both[1]!.owned === 8 ? [both[0]!, both[1]!] : null;
    });
    // Each check is run by exactly one of them.
    expect(new Set([...ra.ownedKeys, ...rb.ownedKeys]).size).toBe(8);
    expect(ra.ownedKeys.filter((k) => rb.ownedKeys.includes(k))).toEqual([]);
    await until(async () => {
      const items = (await adminB.get('/api/v1/health')).body.items as { status: string }[];
      return items.length === 8 && items.every((i) => i.status === 'up');
    });

    // A dashboard on B sees the transitions of checks that A runs.
    const cookie = (adminB.credential as { cookie: string }).cookie;
    const ws = await WsClient.connect(b.baseUrl, { cookie });
    ws.subscribe('fleet');
    await ws.next((m) => m.event === 'snapshot');
    target.mode = 'fail';
    const fromA = await ws.next(
      (m) =>
        m.data?.type === 'health.transition' &&
        m.data.status === 'down' &&
        ra.ownedKeys.includes(m.data.checkKey),
    );
    expect(fromA.data.origin).toBe(ra.instance);
    await until(async () => {
      const items = (await adminB.get('/api/v1/health')).body.items as { status: string }[];
      return items.every((i) => i.status === 'down');
    });
    // One stored transition per change, though two instances watch the fleet.
    const events = (await adminB.get('/api/v1/health/events?limit=500')).body;
    expect(events.total).toBe(8 * 3);

    // A dies without a word: after its lease runs out, B runs everything.
    process.kill(a.pid, 'SIGKILL');
    await a.exited;
    const started = Date.now();
    const alone = await until(async () => {
      const r = await runtime(adminB);
      return r.members.length === 1 && r.owned === 8 ? r : null;
    });
    expect(alone.ownedKeys.sort()).toEqual([...ra.ownedKeys, ...rb.ownedKeys].sort());
    expect(Date.now() - started).toBeLessThan(6_000);
    // The moved checks continue from the stored state (down), and recover under B.
    target.mode = 'ok';
    for (const key of ra.ownedKeys) {
      await ws.next(
        (m) => m.data?.type === 'health.transition' && m.data.checkKey === key && m.data.status === 'up',
      );
      const moved = ws.messages.find(
        (m) => m.data?.type === 'health.transition' && m.data.checkKey === key && m.data.status === 'up',
      );
      expect(moved?.data).toMatchObject({ from: 'down' });
      expect(moved?.data.origin).toBeUndefined();
    }
    ws.close();
  });
});
