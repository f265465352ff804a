import { describe, expect, it } from '@jest/globals';
import type { CheckSpec } from './health-check.js';
import { HealthScheduler } from './health-scheduler.js';

const check = (key: string, intervalMs = 100): CheckSpec => ({
  key,
  subjectType: 'agent',
  subjectId: key,
  intervalMs,
  timeoutMs: 50,
  probe: { kind: 'agent-proxy', address: '127.0.0.1', port: 1 },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HealthScheduler', () => {
  it('runs each check about once per interval, never two runs of one check at once', async () => {
    const runs = new Map<string, number>();
    let active = 0;
    let maxActive = 0;
    const scheduler = new HealthScheduler({
      concurrency: 3,
      jitter: 0,
      run: async (c) => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs.set(c.key, (runs.get(c.key) ?? 0) + 1);
        await sleep(5);
        active--;
      },
    });
    scheduler.setChecks(Array.from({ length: 10 }, (_, i) => check(`c${i}`)));
    scheduler.start();
    await sleep(550);
    scheduler.stop();
    expect(maxActive).toBeLessThanOrEqual(3);
    for (const n of runs.values()) expect(n).toBeGreaterThanOrEqual(4);
    for (const n of runs.values()) expect(n).toBeLessThanOrEqual(7);
    const stats = scheduler.getStats();
    expect(stats.onTime).toBe(stats.runs);
  });

  it('skips a run while the previous one of the same check is still going', async () => {
    let runs = 0;
    const scheduler = new HealthScheduler({
      concurrency: 10,
      run: async () => {
        runs++;
        await sleep(250);
      },
    });
    scheduler.setChecks([check('slow', 50)]);
    scheduler.start();
    await sleep(400);
    scheduler.stop();
    expect(runs).toBeLessThanOrEqual(2);
    expect(scheduler.getStats().skipped).toBeGreaterThan(0);
  });

  it('keeps unchanged checks, adds new ones and drops removed ones', () => {
    const scheduler = new HealthScheduler({ concurrency: 1, run: async () => undefined });
    expect(scheduler.setChecks([check('a'), check('b')]).added).toEqual(['a', 'b']);
    const diff = scheduler.setChecks([check('b'), check('c')]);
    expect(diff).toEqual({ added: ['c'], removed: ['a'] });
    expect(scheduler.keys().sort()).toEqual(['b', 'c']);
  });
});
