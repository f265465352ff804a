// 2,000 connected dashboard clients: time from a health transition (its `at`, stamped by the
// API when the state changed) to its arrival at every client. See bench/README.md.
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { ProbeTarget } from '../../test/health/probe-target.js';
import { TestDatabase } from '../../test/support/test-database.js';
import { login, startApi } from '../health/bench-app.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2000' },
    transitions: { type: 'string', default: '40' },
    strict: { type: 'boolean', default: false },
  },
});
const clientCount = Number(values.clients);
const wanted = Number(values.transitions);

const target = await ProbeTarget.start();
const db = await TestDatabase.create('bench_ws');
// Every probe result flips the state (thresholds of 1), so each target flip is one transition.
const api = await startApi(db.url, {
  HEALTH_INTERVAL_SEC: '0.5',
  HEALTH_REFRESH_SEC: '0.5',
  HEALTH_DEGRADE_AFTER: '1',
  HEALTH_DOWN_AFTER: '1',
  HEALTH_RISE_AFTER: '1',
});
const latencies: number[] = [];
let measuring = false;
const sockets: WebSocket[] = [];
try {
  const cookie = await login(api.baseUrl);
  const res = await fetch(`${api.baseUrl}/api/v1/upstreams`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-ws', targets: [{ host: '127.0.0.1', port: target.port }] }),
  });
  if (res.status !== 201) throw new Error(`upstream: ${res.status}`);

  const perClient: number[] = new Array(clientCount).fill(0);
  const url = `${api.baseUrl.replace(/^http/, 'ws')}/api/v1/ws`;
  for (let i = 0; i < clientCount; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, clientCount - i) }, (_, j) => {
        const index = i + j;
        return new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(url, { headers: { cookie } });
          sockets.push(ws);
          ws.on('message', (raw) => {
            const received = Date.now();
            const m = JSON.parse(raw.toString()) as { event: string; data: { type?: string; at?: string } };
            if (m.event === 'ready')
              ws.send(JSON.stringify({ event: 'subscribe', data: { topic: 'fleet' } }));
            if (m.event === 'snapshot') resolve();
            if (m.data?.type === 'health.transition' && measuring) {
              latencies.push(received - Date.parse(m.data.at!));
              perClient[index]!++;
            }
          });
          ws.once('error', reject);
        });
      }),
    );
  }
  console.log(`${clientCount} clients subscribed to fleet`);
  measuring = true;
  const startCount = latencies.length;
  const deadline = Date.now() + 120_000;
  while (latencies.length - startCount < wanted * clientCount && Date.now() < deadline) {
    target.mode = target.mode === 'ok' ? 'fail' : 'ok';
    await new Promise((r) => setTimeout(r, 700));
  }
  await new Promise((r) => setTimeout(r, 1000));
  measuring = false;
  const sorted = latencies.slice(startCount).sort((a, b) => a - b);
  const pct = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  const result = {
    clients: clientCount,
    deliveries: sorted.length,
    transitions: Math.round(sorted.length / clientCount),
    clientsMissingSome: perClient.filter((n) => n < Math.max(...perClient)).length,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: sorted.at(-1),
  };
  console.log(JSON.stringify(result, null, 2));
  const ok = result.p99Ms < 100 && result.clientsMissingSome === 0;
  console.log(ok ? 'target met (p99 < 100 ms, every client got every transition)' : 'TARGET MISSED');
  if (values.strict && !ok) process.exitCode = 1;
} finally {
  for (const ws of sockets) ws.terminate();
  api.child.kill('SIGTERM');
  await new Promise((r) => api.child.once('exit', r));
  await target.stop();
  await db.drop();
}
