import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePorts } from '../fixtures/ports.js';
import { until } from '../fleet/fleet-app.js';
import { ProbeTarget } from '../health/probe-target.js';
import type { ApiClient } from '../support/api-client.js';
import { upstreamDoc } from '../support/factories.js';
import { createToken } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { SlowWsClient } from './slow-ws-client.js';
import { WsClient, type WsMessage } from './ws-client.js';

// One API whose health checks produce a steady stream of events (one upstream with 41
// targets probed every 0.2 s: some 80 KB/s of `health.result`) and a send-buffer bound of
// 4 KiB per WebSocket client. Two dashboards watch the same topics: a normal one (WsClient)
// and one that stops reading at the TCP level (slow_ws_client.py). Would the gateway write
// to every socket regardless, the slow one would never be resynced; would it wait for the
// slow one, the normal one would stall.

const CLOSED_TARGETS = 40;
/**
 * What the normal client must receive while the slow one reads nothing. The kernel buffers
 * of the slow one's connection take ~100 KB (its small window and MSS keep the server's send
 * buffer small); what goes past that has to wait in the server's `ws` socket.
 */
const UNREAD_BYTES = 400_000;

interface Check {
  checkKey: string;
  status: string;
}

const bytesOf = (messages: WsMessage[]) => messages.reduce((n, m) => n + JSON.stringify(m).length, 0);

describe('a slow WebSocket client', () => {
  let db: TestDatabase;
  let app: TestApp;
  let admin: ApiClient;
  let target: ProbeTarget;
  let fast: WsClient | null = null;
  let slow: SlowWsClient | null = null;

  beforeAll(async () => {
    db = await TestDatabase.create('gateway_slow');
    app = await TestApp.start({
      databaseUrl: db.url,
      env: {
        HEALTH_INTERVAL_SEC: '0.2',
        HEALTH_REFRESH_SEC: '0.3',
        HEALTH_TIMEOUT_SEC: '1',
        HEALTH_LEASE_SEC: '3',
        WS_MAX_BUFFER_KB: '4',
      },
    });
    admin = await app.admin();
    target = await ProbeTarget.start();
  });

  afterAll(async () => {
    fast?.close();
    await slow?.stop();
    await app?.stop();
    await db?.drop();
    await target?.stop();
  });

  it('is dropped and resynced with snapshots, while a normal client on the same topics keeps getting events', async () => {
    // One live target to switch, and closed ports: every refused connect is a result event.
    const closed = await freePorts(CLOSED_TARGETS);
    const upstream = await admin.post(
      '/api/v1/upstreams',
      upstreamDoc({ targets: [target.port, ...closed].map((port) => ({ host: '127.0.0.1', port })) }),
    );
    expect(upstream.status).toBe(201);
    const topic = `upstream:${upstream.body.id}`;
    const checkKey = `${topic}:http://127.0.0.1:${target.port}`;
    await until(async () => {
      const items = (await admin.get(`/api/v1/health?subjectType=upstream&subjectId=${upstream.body.id}`))
        .body.items as Check[];
      return items.some((i) => i.checkKey === checkKey && i.status === 'up');
    });

    const token = (await createToken(admin, ['read'])).token;
    fast = await WsClient.connect(app.baseUrl, { bearer: token });
    for (const t of [topic, 'fleet']) {
      fast.subscribe(t);
      await fast.next((m) => m.event === 'snapshot' && m.data.topic === t);
    }

    slow = await SlowWsClient.start(app.baseUrl, token, [topic, 'fleet']);
    // The slow client reads nothing from here on; the fast one keeps getting events.
    const pausedAt = fast.messages.length;
    await until(async () => bytesOf(fast!.messages.slice(pausedAt)) > UNREAD_BYTES, 45_000);
    // A change while the slow client is behind reaches the fast one at once.
    target.mode = 'fail';
    const down = (m: WsMessage) =>
      m.event === 'event' &&
      m.data.type === 'health.transition' &&
      m.data.checkKey === checkKey &&
      m.data.status === 'down';
    await fast.next(down);
    expect(fast.messages.findIndex(down)).toBeGreaterThan(pausedAt);
    expect(fast.messages.some((m) => m.event === 'resync')).toBe(false);

    slow.resume();
    // Its snapshots alone are larger than the bound, so it may have been resynced once already,
    // right after subscribing. The resync that matters brings a snapshot with the check down.
    const isDown = (m: WsMessage) =>
      (m.data.health as Check[]).find((c) => c.checkKey === checkKey)?.status === 'down';
    const upstreamSnapshot = await slow.next(
      (m) => m.event === 'snapshot' && m.data.topic === topic && m.data.resync === true && isDown(m),
    );
    const snapshotAt = slow.messages.indexOf(upstreamSnapshot);
    const resyncAt = slow.messages.findLastIndex((m, i) => i < snapshotAt && m.event === 'resync');
    expect(resyncAt).toBeGreaterThan(0);
    expect(slow.messages[resyncAt]!.data.dropped).toBeGreaterThan(0);
    // The transition to down happened while it was not reading: the delta was dropped, never
    // delivered, and the snapshot after the resync is how it learns of it.
    expect(slow.messages.slice(0, snapshotAt).some(down)).toBe(false);
    expect(slow.messages[0]?.event).toBe('ready');
    expect(upstreamSnapshot.data.health).toHaveLength(CLOSED_TARGETS + 1);
    // The same resync brings a fresh snapshot of its other topic.
    const fleetSnapshot = await slow.next(
      (m) =>
        slow!.messages.indexOf(m) > resyncAt &&
        m.event === 'snapshot' &&
        m.data.topic === 'fleet' &&
        m.data.resync === true,
    );
    expect(isDown(fleetSnapshot)).toBe(true);

    // And deltas again, after the snapshots.
    const resynced = Math.max(slow.messages.indexOf(upstreamSnapshot), slow.messages.indexOf(fleetSnapshot));
    target.mode = 'ok';
    const up = await slow.next(
      (m) =>
        slow!.messages.indexOf(m) > resynced &&
        m.event === 'event' &&
        m.data.type === 'health.transition' &&
        m.data.checkKey === checkKey &&
        m.data.status === 'up',
    );
    expect(up.data.from).toBe('down');
  });
});
