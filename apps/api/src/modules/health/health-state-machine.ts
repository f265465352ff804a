import type { HealthStatus, ProbeOutcome } from './health-check.js';

/**
 * Consecutive-result thresholds. They are the flap damping: one failed probe between good ones
 * moves nothing, and a check that alternates ok/fail stays where it was.
 */
export interface Thresholds {
  /** Consecutive failures (or warnings) before up → degraded. */
  degradeAfter: number;
  /** Consecutive failures before → down. */
  downAfter: number;
  /** Consecutive successes before degraded/down → up. */
  riseAfter: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { degradeAfter: 2, downAfter: 4, riseAfter: 2 };

export interface CheckState {
  status: HealthStatus;
  /** Consecutive results of the current streak's kind. */
  okStreak: number;
  warnStreak: number;
  failStreak: number;
}

export function initialState(status: HealthStatus = 'unknown'): CheckState {
  return { status, okStreak: 0, warnStreak: 0, failStreak: 0 };
}

/**
 * Pure transition function. From unknown the first result decides right away (a fresh
 * dashboard should not show "unknown" for four intervals); after that the thresholds apply.
 * Warnings can degrade a check but never take it down.
 */
export function advance(
  state: CheckState,
  outcome: ProbeOutcome,
  t: Thresholds = DEFAULT_THRESHOLDS,
  /** A conclusive failure (the proxy is not running) goes down as soon as it would degrade. */
  conclusive = false,
): CheckState {
  const next: CheckState = {
    status: state.status,
    okStreak: outcome === 'ok' ? state.okStreak + 1 : 0,
    warnStreak: outcome === 'warn' ? state.warnStreak + 1 : 0,
    // A warning neither extends nor breaks a failure streak's meaning: it resets it.
    failStreak: outcome === 'fail' ? state.failStreak + 1 : 0,
  };
  if (state.status === 'unknown') {
    next.status =
      outcome === 'ok'
        ? 'up'
        : outcome === 'warn'
          ? 'degraded'
          : conclusive || next.failStreak >= t.downAfter
            ? 'down'
            : 'degraded';
    return next;
  }
  switch (outcome) {
    case 'ok':
      if (state.status !== 'up' && next.okStreak >= t.riseAfter) next.status = 'up';
      break;
    case 'warn':
      if (state.status === 'up' && next.warnStreak >= t.degradeAfter) next.status = 'degraded';
      // A down check that answers again, but with a warning, is at best degraded.
      if (state.status === 'down' && next.warnStreak >= t.riseAfter) next.status = 'degraded';
      break;
    case 'fail':
      if (next.failStreak >= (conclusive ? Math.min(t.degradeAfter, t.downAfter) : t.downAfter))
        next.status = 'down';
      else if (state.status === 'up' && next.failStreak >= t.degradeAfter) next.status = 'degraded';
      break;
  }
  return next;
}
