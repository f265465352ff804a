// 10,000 HTTP checks at a 10 s interval against local targets: CPU and RSS of the API process
// and the share of checks that ran on time. See bench/README.md.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { TestDatabase } from '../../test/support/test-database.js';
import { cpuSeconds, login, rssMiB, startApi } from './bench-app.js';

const { values } = parseArgs({
  options: {
    checks: { type: 'string', default: '10000' },
    interval: { type: 'string', default: '10' },
    measure: { type: 'string', default: '60' },
    strict: { type: 'boolean', default: false },
  },
});
const checks = Number(values.checks);
const intervalSec = Number(values.interval);
const measureSec = Number(values.measure);

const targets = spawn(process.execPath, [new URL('./targets.mjs', import.meta.url).pathname, '20'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const { ports } = JSON.parse(
  await new Promise<string>((resolve) => createInterface({ input: targets.stdout! }).once('line', resolve)),
) as { ports: number[] };

const db = await TestDatabase.create('bench_health');
const api = await startApi(db.url, { HEALTH_INTERVAL_SEC: String(intervalSec), HEALTH_REFRESH_SEC: '1' });
const pid = api.child.pid!;
try {
  // Desired state straight into Postgres: creating 10,000 upstreams through the API would
  // measure the API's writes, not the checks. One target each, spread over the target ports.
  await db.query(
    `INSERT INTO "Upstream" ("id", "name", "targets", "updatedAt")
     SELECT gen_random_uuid(), 'bench-' || i,
            jsonb_build_array(jsonb_build_object('scheme','http','host','127.0.0.1','port', ($1::int[])[1 + i % $2], 'weight', 1)),
            now()
     FROM generate_series(1, $3) AS i`,
    [ports, ports.length, checks],
  );
  await db.query(
    `INSERT INTO "FleetRevision" ("id", "revision", "updatedAt") VALUES (1, 1, now())
     ON CONFLICT ("id") DO UPDATE SET "revision" = "FleetRevision"."revision" + 1`,
  );
  const cookie = await login(api.baseUrl);
  const runtime = async () =>
    (await (await fetch(`${api.baseUrl}/api/v1/health/runtime`, { headers: { cookie } })).json()) as {
      planned: number;
      owned: number;
      scheduler: { runs: number; onTime: number; skipped: number; maxLatenessMs: number };
    };
  const warmStart = Date.now();
  while ((await runtime()).scheduler.runs < checks) {
    if (Date.now() - warmStart > (intervalSec * 4 + 60) * 1000) throw new Error('checks did not start');
    await new Promise((r) => setTimeout(r, 500));
  }
  // One more full interval so every check is past its first (spread) run.
  await new Promise((r) => setTimeout(r, intervalSec * 1000));

  const before = await runtime();
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  let peakRss = 0;
  const rssSamples: number[] = [];
  while (Date.now() - t0 < measureSec * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const rss = rssMiB(pid);
    rssSamples.push(rss);
    peakRss = Math.max(peakRss, rss);
  }
  const wall = (Date.now() - t0) / 1000;
  const cpu = ((cpuSeconds(pid) - cpu0) / wall) * 100;
  const after = await runtime();
  const runs = after.scheduler.runs - before.scheduler.runs;
  const onTime = after.scheduler.onTime - before.scheduler.onTime;
  const expected = (checks * wall) / intervalSec;
  const [row] = await db.query<{ up: string }>(
    `SELECT count(*) AS up FROM "HealthState" WHERE status = 'up'`,
  );
  const up = row?.up ?? '0';

  const result = {
    checks,
    intervalSec,
    measuredSec: Math.round(wall),
    cpuPercentOfOneCore: Number(cpu.toFixed(1)),
    rssMiBPeak: Number(peakRss.toFixed(0)),
    rssMiBMedian: Number(rssSamples.sort((x, y) => x - y)[Math.floor(rssSamples.length / 2)]!.toFixed(0)),
    runs,
    expectedRuns: Math.round(expected),
    onTimeShare: Number(((onTime / Math.max(1, runs)) * 100).toFixed(2)),
    skipped: after.scheduler.skipped - before.scheduler.skipped,
    maxLatenessMs: after.scheduler.maxLatenessMs,
    checksUp: Number(up),
  };
  console.log(JSON.stringify(result, null, 2));
  const ok =
    result.cpuPercentOfOneCore < 50 &&
    result.rssMiBPeak < 300 &&
    result.onTimeShare >= 99 &&
    result.checksUp === checks;
  console.log(ok ? 'targets met (< 50 % of one core, < 300 MiB, ≥ 99 % on time, all up)' : 'TARGET MISSED');
  if (values.strict && !ok) process.exitCode = 1;
} finally {
  api.child.kill('SIGTERM');
  await new Promise((r) => api.child.once('exit', r));
  targets.kill('SIGTERM');
  await db.drop();
}
