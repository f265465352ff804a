import type { HealthStatus, LatestResult, ProbeOutcome } from './health-check.js';

/** Samples kept per check: 20 minutes at the default 10 s interval. */
export const HISTORY_SAMPLES = 120;
/** Checks per slab: a handful of large typed arrays, not three small ones per check. */
const SLAB_CHECKS = 1024;

const OUTCOMES: ProbeOutcome[] = ['ok', 'warn', 'fail'];
const STATUSES: HealthStatus[] = ['unknown', 'up', 'degraded', 'down'];

/** Times are kept in 10 ms ticks since the process started: 32 bits last 497 days. */
const TICK_MS = 10;
const EPOCH = Date.now();

export interface Sample {
  at: string;
  latencyMs: number;
  outcome: ProbeOutcome;
  status: HealthStatus;
}

/** Ring buffers of SLAB_CHECKS checks, side by side: slot s owns [s * N, (s + 1) * N). */
class Slab {
  readonly at = new Uint32Array(SLAB_CHECKS * HISTORY_SAMPLES);
  readonly latency = new Uint16Array(SLAB_CHECKS * HISTORY_SAMPLES);
  readonly state = new Uint8Array(SLAB_CHECKS * HISTORY_SAMPLES);
  /** Per slot: where the next sample goes, and how many there are. */
  readonly next = new Uint8Array(SLAB_CHECKS);
  readonly size = new Uint8Array(SLAB_CHECKS);
}

/**
 * Recent response times and states per check, for the dashboard's chart: the last
 * HISTORY_SAMPLES results of each, oldest first. Kept in memory on every instance from the
 * results it hears (its own and, through Redis, the others'), so any instance can answer; only
 * transitions are stored for good (HealthEvent).
 *
 * 7 bytes a sample in a few large typed arrays (off the JS heap, and nothing per check for the
 * garbage collector to walk): ~8 MiB for 10,000 checks, where objects would cost ten times that
 * and a probe-heavy API would pay for them in GC time. Time in 10 ms ticks, latency in ms
 * (capped at 65 s), outcome and status packed in one byte.
 */
export class ResponseHistory {
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];
  private readonly slabs: Slab[] = [];
  private used = 0;

  record(result: LatestResult): void {
    const slot = this.slotOf(result.checkKey);
    const slab = this.slabs[Math.floor(slot / SLAB_CHECKS)]!;
    const s = slot % SLAB_CHECKS;
    const i = s * HISTORY_SAMPLES + slab.next[s]!;
    slab.at[i] = Math.max(0, Math.round((Date.parse(result.at) - EPOCH) / TICK_MS));
    slab.latency[i] = Math.min(65_535, Math.max(0, Math.round(result.latencyMs)));
    slab.state[i] = (OUTCOMES.indexOf(result.outcome) << 2) | STATUSES.indexOf(result.status);
    slab.next[s] = (slab.next[s]! + 1) % HISTORY_SAMPLES;
    slab.size[s] = Math.min(slab.size[s]! + 1, HISTORY_SAMPLES);
  }

  samples(checkKey: string): Sample[] {
    const slot = this.slots.get(checkKey);
    if (slot === undefined) return [];
    const slab = this.slabs[Math.floor(slot / SLAB_CHECKS)]!;
    const s = slot % SLAB_CHECKS;
    const size = slab.size[s]!;
    const out: Sample[] = [];
    for (let k = 0; k < size; k++) {
      const i = s * HISTORY_SAMPLES + ((slab.next[s]! - size + k + HISTORY_SAMPLES) % HISTORY_SAMPLES);
      const packed = slab.state[i]!;
      out.push({
        at: new Date(EPOCH + slab.at[i]! * TICK_MS).toISOString(),
        latencyMs: slab.latency[i]!,
        outcome: OUTCOMES[packed >> 2] ?? 'fail',
        status: STATUSES[packed & 3] ?? 'unknown',
      });
    }
    return out;
  }

  /** Frees the slots of checks that left the plan, for checks that come later. */
  prune(keep: Set<string>): void {
    for (const [key, slot] of this.slots) {
      if (keep.has(key)) continue;
      this.slots.delete(key);
      const slab = this.slabs[Math.floor(slot / SLAB_CHECKS)]!;
      slab.next[slot % SLAB_CHECKS] = 0;
      slab.size[slot % SLAB_CHECKS] = 0;
      this.free.push(slot);
    }
  }

  private slotOf(key: string): number {
    let slot = this.slots.get(key);
    if (slot !== undefined) return slot;
    slot = this.free.pop() ?? this.used++;
    if (slot >= this.slabs.length * SLAB_CHECKS) this.slabs.push(new Slab());
    this.slots.set(key, slot);
    return slot;
  }
}
