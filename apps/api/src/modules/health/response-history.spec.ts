import { describe, expect, it } from '@jest/globals';
import { HISTORY_SAMPLES, ResponseHistory } from './response-history.js';

const result = (i: number, over: Record<string, unknown> = {}) => ({
  checkKey: 'c1',
  at: new Date(Date.UTC(2026, 10, 24, 12, 0, i)).toISOString(),
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
    expect(history.samples('c1')).toEqual([
      { at: '2026-11-24T12:00:01.000Z', latencyMs: 1, outcome: 'ok', status: 'up' },
      { at: '2026-11-24T12:00:02.000Z', latencyMs: 65_535, outcome: 'fail', status: 'degraded' },
    ]);
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
  });
});
