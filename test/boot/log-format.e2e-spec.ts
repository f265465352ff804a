import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// The built app logs JSON lines when its stdout is not a terminal (here: a pipe) and readable
// lines when PORTICO_LOG_FORMAT=pretty says so. Either way no credential reaches a line.

let db: TestDatabase;
const apps: TestApp[] = [];

beforeAll(async () => {
  db = await TestDatabase.create('log_format');
});

afterAll(async () => {
  for (const app of apps) await app.stop();
  await db?.drop();
});

async function requestsOf(app: TestApp): Promise<void> {
  apps.push(app);
  const admin = await app.admin();
  expect((await admin.get('/api/v1/sites')).status).toBe(200);
  await app.stop();
}

describe('log format', () => {
  it('writes JSON lines on a pipe', async () => {
    const app = await TestApp.start({ databaseUrl: db.url });
    await requestsOf(app);
    const lines = app.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('writes one readable line per event with PORTICO_LOG_FORMAT=pretty', async () => {
    const app = await TestApp.start({ databaseUrl: db.url, env: { PORTICO_LOG_FORMAT: 'pretty' } });
    await requestsOf(app);
    const lines = app.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((l) => !/^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR|DEBUG): /.test(l))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(/INFO: \[Database\] migrations/));
    expect(lines).toContainEqual(expect.stringMatching(/request completed GET \/api\/v1\/sites 200 \d+ms$/));
    // A pipe gets no colour codes even when the lines are pretty.
    expect(app.stdout).not.toContain('\u001b[');
    expect(app.stdout).not.toMatch(/first-admin-password|portico_session=/);
  });
});
