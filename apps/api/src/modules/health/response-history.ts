import type { HealthStatus, LatestResult, ProbeOutcome } from './health-check.js';

/** Samples kept per check: 20 minutes at the default 10 s interval. */
export const HISTORY_SAMPLES = 120;

const OUTCOMES: ProbeOutcome[] = ['ok', 'warn', 'fail'];
const STATUSES: HealthStatus[] = ['unknown', 'up', 'degraded', 'down'];

export interface Sample {
  at: string;
  latencyMs: number;
  outcome: ProbeOutcome;
  status: HealthStatus;
}

/** Times are kept in 10 ms ticks since the process started: 32 bits last 497 days. */
const TICK_MS = 10;
const EPOCH = Date.now();

/**
 * The last HISTORY_SAMPLES results of one check in a ring of typed arrays (7 bytes a sample,
 * off the JS heap): at 10,000 checks the whole history costs ~8 MiB, where objects would cost
 * ten times that. Time in 10 ms ticks, latency in ms (capped at 65 s), outcome and status
 * packed in one byte.
 */
class Ring {
  private readonly at = new Uint32Array(HISTORY_SAMPLES);
  private readonly latency = new Uint16Array(HISTORY_SAMPLES);
  private readonly state = new Uint8Array(HISTORY_SAMPLES);
  private next = 0;
  private size = 0;

  push(result: LatestResult): void {
    this.at[this.next] = Math.max(0, Math.round((Date.parse(result.at) - EPOCH) / TICK_MS));
    this.latency[this.next] = Math.min(65_535, Math.max(0, Math.round(result.latencyMs)));
    this.state[this.next] = (OUTCOMES.indexOf(result.outcome) << 2) | STATUSES.indexOf(result.status);
    this.next = (this.next + 1) % HISTORY_SAMPLES;
    this.size = Math.min(this.size + 1, HISTORY_SAMPLES);
  }

  /** Oldest first. */
  samples(): Sample[] {
    const out: Sample[] = [];
    for (let i = 0; i < this.size; i++) {
      const j = (this.next - this.size + i + HISTORY_SAMPLES) % HISTORY_SAMPLES;
      const packed = this.state[j]!;
      out.push({
        at: new Date(EPOCH + this.at[j]! * TICK_MS).toISOString(),
        latencyMs: this.latency[j]!,
        outcome: OUTCOMES[packed >> 2] ?? 'fail',
        status: STATUSES[packed & 3] ?? 'unknown',
      });
    }
    return out;
  }
}

/**
 * Recent response times and states per check, for the dashboard's chart. Kept in memory on
 * every instance from the results it hears (its own and, through Redis, the others'), so any
 * instance can answer; only transitions are stored for good (HealthEvent).
 */
export class ResponseHistory {
  private readonly rings = new Map<string, Ring>();

  record(result: LatestResult): void {
    let ring = this.rings.get(result.checkKey);
    if (!ring) {
      ring = new Ring();
      this.rings.set(result.checkKey, ring);
    }
    ring.push(result);
  }

  samples(checkKey: string): Sample[] {
    return this.rings.get(checkKey)?.samples() ?? [];
  }

  prune(keep: Set<string>): void {
    for (const key of this.rings.keys()) if (!keep.has(key)) this.rings.delete(key);
  }
}
