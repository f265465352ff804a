import { describe, expect, it } from '@jest/globals';
import { HISTORY_SAMPLES, ResponseHistory } from './response-history.js';

const start = Date.now() + 1_000;
const result = (i: number, over: Record<string, unknown> = {}) => ({
  checkKey: 'c1',
  // Half a second apart: samples within one second stay apart (10 ms resolution).
  at: new Date(start + i * 500).toISOString(),
  status: 'up' as const,
  outcome: 'ok' as const,
  latencyMs: i,
  message: '',
  ...over,
});

describe('ResponseHistory', () => {
  it('keeps the last samples of a check, oldest first, with outcome and status', () => {
    const history = new ResponseHistory();
    history.record(result(1));
    history.record(result(2, { outcome: 'fail', status: 'degraded', latencyMs: 70_000.4 }));
    const at = (i: number) => new Date(Math.round((start + i * 500) / 10) * 10).toISOString();
    const samples = history.samples('c1');
    expect(samples).toEqual([
      { at: expect.any(String), latencyMs: 1, outcome: 'ok', status: 'up' },
      { at: expect.any(String), latencyMs: 65_535, outcome: 'fail', status: 'degraded' },
    ]);
    // To the 10 ms tick; the process start the ticks count from is not on a tick boundary.
    samples.forEach((s, i) => {
      expect(Math.abs(Date.parse(s.at) - Date.parse(at(i + 1)))).toBeLessThanOrEqual(10);
    });
    expect(Date.parse(samples[1]!.at) - Date.parse(samples[0]!.at)).toBe(500);
    expect(history.samples('other')).toEqual([]);
  });

  it('forgets the oldest once full, and checks that left the plan', () => {
    const history = new ResponseHistory();
    for (let i = 0; i < HISTORY_SAMPLES + 5; i++) history.record(result(i));
    const samples = history.samples('c1');
    expect(samples).toHaveLength(HISTORY_SAMPLES);
    expect(samples[0]?.latencyMs).toBe(5);
    expect(samples.at(-1)?.latencyMs).toBe(HISTORY_SAMPLES + 4);
    history.prune(new Set());
    expect(history.samples('c1')).toEqual([]);
    // The freed slot serves the next check, which starts empty.
    history.record(result(1, { checkKey: 'c2' }));
    expect(history.samples('c2')).toHaveLength(1);
  });

  it('keeps checks apart across slabs of 1,024', () => {
    const history = new ResponseHistory();
    for (let c = 0; c < 2_100; c++) history.record(result(c % 7, { checkKey: `k${c}`, latencyMs: c }));
    expect(history.samples('k0')[0]?.latencyMs).toBe(0);
    expect(history.samples('k1500')[0]?.latencyMs).toBe(1_500);
    expect(history.samples('k2099')).toHaveLength(1);
  });
});
