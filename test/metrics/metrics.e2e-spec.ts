import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';
import { fleetDocument } from '../declarative/fleet-document.js';
import type { ApiClient } from '../support/api-client.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

const METRICS_TOKEN = randomBytes(24).toString('hex');
let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;

beforeAll(async () => {
  db = await TestDatabase.create('metrics');
  app = await TestApp.start({
    databaseUrl: db.url,
    env: {
      METRICS_TOKEN,
      HEALTH_INTERVAL_SEC: '0.5',
      HEALTH_TIMEOUT_SEC: '0.5',
      DEPLOY_CONNECT_TIMEOUT_MS: '1000',
      DEPLOY_POLL_MS: '100',
    },
  });
  admin = await app.admin();
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, parsed into samples (comments and types checked for shape). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) {
      if (line) expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape(): Promise<Sample[]> {
  const res = await app.client().get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parseExposition(res.text);
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

async function eventually(
  name: string,
  labels: Record<string, string>,
  timeoutMs = 20_000,
): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hits = find(await scrape(), name, labels);
    if (hits.length && hits.some((h) => h.value > 0)) return hits;
    if (Date.now() > deadline) throw new Error(`${name} ${JSON.stringify(labels)} never appeared`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('GET /metrics', () => {
  it('is answered by the server while the built dashboard is served, not by its index.html', async () => {
    const home = await app.client().get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('<div id="root">');
    const res = await app.client().get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toMatch(/^# HELP portico_/m);
    expect(res.text).not.toContain('<html');
  });

  it('needs the metrics token, not a user', async () => {
    expect((await app.client().get('/metrics')).status).toBe(401);
    expect((await app.client().get('/metrics', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await admin.get('/metrics')).status).toBe(401);
  });

  it('counts HTTP requests by route pattern, and reports the desired state and process', async () => {
    const { doc } = fleetDocument();
    expect((await admin.post('/api/v1/apply', doc)).status).toBe(200);
    const site = (await admin.get('/api/v1/sites?limit=1')).body.items[0];
    await admin.get(`/api/v1/sites/${site.id}`);
    await admin.get('/api/v1/no-such-route');
    const samples = await scrape();
    expect(
      find(samples, 'portico_http_requests_total', {
        method: 'GET',
        route: '/api/v1/sites/:id',
        status: '200',
      })[0]?.value,
    ).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'portico_http_requests_total', { route: 'unmatched', status: '404' }).length).toBe(
      1,
    );
    expect(
      find(samples, 'portico_http_request_duration_seconds_count', { route: '/api/v1/apply' })[0]?.value,
    ).toBe(1);
    expect(samples.some((s) => s.labels.route?.includes(site.id))).toBe(false);
    expect(find(samples, 'portico_desired_objects', { kind: 'site' })[0]?.value).toBe(2);
    expect(find(samples, 'portico_desired_objects', { kind: 'agent' })[0]?.value).toBe(2);
    expect(find(samples, 'portico_fleet_revision')[0]?.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'portico_process_resident_memory_bytes').length).toBe(1);
  });

  it('reports days to expiry per certificate', async () => {
    const id = '11111111-1111-4111-8111-111111111111';
    await db.query(
      `INSERT INTO "Certificate" (id, domains, source, status, "notAfter", "updatedAt")
       VALUES ($1, '{metrics.example.test}', 'uploaded', 'valid', now() + interval '10 days', now())`,
      [id],
    );
    const [cert] = find(await scrape(), 'portico_certificate_expiry_days', { certificate_id: id });
    expect(cert?.labels.domain).toBe('metrics.example.test');
    expect(cert?.value).toBeGreaterThan(9.9);
    expect(cert?.value).toBeLessThanOrEqual(10);
  });

  it('counts deployments by outcome with their duration, and probe results with latency', async () => {
    const name = `metrics-${Date.now()}`;
    const agent = await admin.post('/api/v1/agents', {
      name,
      address: '127.0.0.1',
      sshPort: 9,
      generateKey: true,
      labels: { metrics: name },
    });
    expect(agent.status).toBe(201);
    const dep = await admin.post('/api/v1/deployments', { selector: { metrics: name }, wait: 30 });
    expect([200, 202]).toContain(dep.status);
    const [count] = await eventually('portico_deployment_duration_seconds_count', { status: 'failed' });
    expect(count!.value).toBe(1);
    expect(find(await scrape(), 'portico_deployments_total', { status: 'failed' })[0]?.value).toBe(1);
    expect(find(await scrape(), 'portico_deployment_targets_total', { status: 'failed' })[0]?.value).toBe(1);
    await eventually('portico_probe_results_total', { subject_type: 'agent', outcome: 'fail' });
    await eventually('portico_probe_latency_seconds_count', { subject_type: 'agent' });
    await eventually('portico_health_checks', { subject_type: 'agent' });
  });

  it('counts WebSocket clients while they are connected', async () => {
    const base = find(await scrape(), 'portico_websocket_clients')[0]?.value ?? 0;
    const ws = new WebSocket(`${app.baseUrl.replace('http', 'ws')}/api/v1/ws`, {
      headers: { cookie: admin.credential && 'cookie' in admin.credential ? admin.credential.cookie : '' },
      origin: app.baseUrl,
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(find(await scrape(), 'portico_websocket_clients')[0]?.value).toBe(base + 1);
    ws.close();
    await new Promise((r) => ws.once('close', r));
    await new Promise((r) => setTimeout(r, 200));
    expect(find(await scrape(), 'portico_websocket_clients')[0]?.value).toBe(base);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  it('is off (404)', async () => {
    const other = await TestDatabase.create('metrics_off');
    const off = await TestApp.start({ databaseUrl: other.url, timeoutMs: 60_000 });
    try {
      const res = await off.client().get('/metrics');
      expect(res.status).toBe(404);
      expect(res.body.message).toContain('METRICS_TOKEN');
    } finally {
      await off.stop();
      await other.drop();
    }
  });
});
