import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { until } from '../fleet/fleet-app.js';
import { WsClient } from '../gateway/ws-client.js';
import { upstreamDoc } from '../support/factories.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { ProbeTarget } from './probe-target.js';

// The latest probe result of each check is kept in Redis by the instance that ran it, so an
// instance started later answers with every check's last result at once — here, long before
// the next probe (a 60 s interval) could have told it.

const REDIS_URL = process.env.PORTICO_TEST_REDIS ?? 'redis://127.0.0.1:6379';

interface Item {
  checkKey: string;
  latest: { at: string; outcome: string; message: string } | null;
}

describe('latest results in Redis', () => {
  let db: TestDatabase;
  let prober: TestApp;
  let late: TestApp | undefined;
  let target: ProbeTarget;
  const env = {
    REDIS_URL,
    REDIS_PREFIX: `portico-test-${randomBytes(4).toString('hex')}`,
    HEALTH_INTERVAL_SEC: '60',
    HEALTH_REFRESH_SEC: '0.3',
    HEALTH_LEASE_SEC: '2',
  };

  beforeAll(async () => {
    db = await TestDatabase.create('health_latest_redis');
    target = await ProbeTarget.start();
    prober = await TestApp.start({ databaseUrl: db.url, env });
  });

  afterAll(async () => {
    await late?.stop();
    await prober?.stop();
    await db?.drop();
    await target?.stop();
  });

  it('gives an instance that starts later every result at once, in REST and in WebSocket snapshots', async () => {
    const admin = await prober.admin();
    const up = await admin.post(
      '/api/v1/upstreams',
      upstreamDoc({ targets: [{ host: '127.0.0.1', port: target.port }] }),
    );
    expect(up.status).toBe(201);
    const key = `upstream:${up.body.id}:http://127.0.0.1:${target.port}`;
    // The first probe runs within the first interval (jittered); then not again for 60 s.
    const probed = await until(async () => {
      const items = (await admin.get('/api/v1/health?subjectType=upstream')).body.items as Item[];
      return items.find((i) => i.checkKey === key && i.latest)?.latest;
    }, 70_000);
    expect(probed).toMatchObject({ outcome: 'ok', message: 'HTTP 200' });

    // This one runs no checks at all: whatever it knows came from Redis.
    late = await TestApp.start({
      databaseUrl: db.url,
      env: { ...env, HEALTH_ENABLED: 'false' },
    });
    const lateAdmin = await late.admin();
    const items = (await lateAdmin.get('/api/v1/health?subjectType=upstream')).body.items as Item[];
    expect(items.find((i) => i.checkKey === key)?.latest).toEqual(probed);

    const ws = await WsClient.connect(late.baseUrl, {
      cookie: (lateAdmin.credential as { cookie: string }).cookie,
    });
    ws.subscribe(`upstream:${up.body.id}`);
    const snapshot = await ws.next((m) => m.event === 'snapshot');
    expect(JSON.stringify(snapshot.data)).toContain(probed.at);
    ws.close();
  }, 300_000); // a probe interval, then a second app booting (BOOT_DEADLINE_MS)
});
