import { describe, expect, it } from '@jest/globals';
import type { HealthStatus, ProbeOutcome } from './health-check.js';
import { advance, type CheckState, initialState } from './health-state-machine.js';

/** Feeds outcomes from a state and returns every status change. */
function transitions(outcomes: ProbeOutcome[], from: HealthStatus = 'unknown'): HealthStatus[] {
  let state: CheckState = initialState(from);
  const seen: HealthStatus[] = [];
  for (const o of outcomes) {
    const next = advance(state, o);
    if (next.status !== state.status) seen.push(next.status);
    state = next;
  }
  return seen;
}

describe('health state machine', () => {
  it('decides on the first result from unknown', () => {
    expect(transitions(['ok'])).toEqual(['up']);
    expect(transitions(['warn'])).toEqual(['degraded']);
    expect(transitions(['fail'])).toEqual(['degraded']);
  });

  it('goes up → degraded → down on consecutive failures and back up after two successes', () => {
    expect(transitions(['fail', 'fail', 'fail', 'fail', 'ok', 'ok'], 'up')).toEqual([
      'degraded',
      'down',
      'up',
    ]);
  });

  it('damps flapping: alternating results never move an up check', () => {
    const flapping: ProbeOutcome[] = Array.from({ length: 50 }, (_, i) => (i % 2 ? 'fail' : 'ok'));
    expect(transitions(flapping, 'up')).toEqual([]);
    expect(transitions(['fail', 'ok', 'fail', 'fail', 'ok', 'fail', 'ok'], 'up')).toEqual(['degraded']);
  });

  it('damps flapping the other way: a down check needs two good results in a row', () => {
    expect(transitions(['ok', 'fail', 'ok', 'fail', 'ok', 'fail'], 'down')).toEqual([]);
  });

  it('lets warnings degrade but never take a check down', () => {
    expect(transitions(Array(10).fill('warn'), 'up')).toEqual(['degraded']);
    expect(transitions(['warn', 'warn'], 'down')).toEqual(['degraded']);
  });
});

describe('conclusive failures (the proxy is not running)', () => {
  const t = { degradeAfter: 2, downAfter: 4, riseAfter: 2 };
  it('go down as soon as an ordinary failure would degrade, not after downAfter', () => {
    let s = initialState('up');
    s = advance(s, 'fail', t, true);
    expect(s.status).toBe('up');
    s = advance(s, 'fail', t, true);
    expect(s.status).toBe('down');
    expect(advance(initialState(), 'fail', t, true).status).toBe('down');
  });
  it('leave ordinary failures damped as before', () => {
    let s = initialState('up');
    for (let i = 0; i < 3; i++) s = advance(s, 'fail', t);
    expect(s.status).toBe('degraded');
  });
});
