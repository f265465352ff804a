import { DueQueue } from './due-queue.js';
import type { CheckSpec } from './health-check.js';
import { fnv1a } from './rendezvous.js';

export interface SchedulerOptions {
  /** Probes running at once, across every check. */
  concurrency: number;
  /** Runs one check; must settle by itself (probes enforce their own timeout). */
  run: (check: CheckSpec) => Promise<void>;
  /** Random jitter added to each next run, as a share of the interval. */
  jitter?: number;
  now?: () => number;
}

export interface SchedulerStats {
  checks: number;
  running: number;
  waiting: number;
  runs: number;
  /** Started within max(1 s, 10 % of its interval) of when it was due. */
  onTime: number;
  /** Runs skipped because the previous run of the same check had not finished. */
  skipped: number;
  maxLatenessMs: number;
}

interface Entry {
  check: CheckSpec;
  /** JSON of the spec: a changed target restarts the check, an unchanged one keeps its slot. */
  signature: string;
  gen: number;
  dueAt: number;
  /** When the run now waiting or running was due, for lateness. */
  lastDue: number;
  running: boolean;
}

/**
 * Runs every check once per interval under one global concurrency limit. One timer for the
 * whole fleet (a heap of due times), not one per check: 10,000 checks cost one wake-up per
 * batch. First runs are spread over the interval by a hash of the key, so a restart does not
 * fire everything at once; each later run is anchored to the previous due time plus jitter.
 */
export class HealthScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly queue = new DueQueue();
  private ready: Entry[] = [];
  private readyHead = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = 0;
  private stopped = true;
  private genCounter = 0;
  private readonly now: () => number;
  private readonly stats = { runs: 0, onTime: 0, skipped: 0, maxLatenessMs: 0 };

  constructor(private readonly options: SchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** Replaces the set of checks this instance runs; unchanged checks keep their schedule. */
  setChecks(checks: readonly CheckSpec[]): { added: string[]; removed: string[] } {
    const now = this.now();
    const wanted = new Set<string>();
    const added: string[] = [];
    for (const check of checks) {
      wanted.add(check.key);
      const signature = JSON.stringify(check);
      const existing = this.entries.get(check.key);
      if (existing && existing.signature === signature) continue;
      const entry: Entry = {
        check,
        signature,
        gen: ++this.genCounter,
        dueAt: now + (fnv1a(check.key) % Math.max(1, check.intervalMs)),
        lastDue: now,
        // A run of the old spec may still be in flight; it settles on the old entry.
        running: false,
      };
      this.entries.set(check.key, entry);
      this.queue.push({ dueAt: entry.dueAt, key: check.key, gen: entry.gen });
      if (!existing) added.push(check.key);
    }
    const removed: string[] = [];
    for (const key of this.entries.keys()) {
      if (!wanted.has(key)) {
        this.entries.delete(key);
        removed.push(key);
      }
    }
    if (this.queue.size > this.entries.size * 2 + 1024) this.rebuildQueue();
    this.arm();
    return { added, removed };
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  getStats(): SchedulerStats {
    return {
      checks: this.entries.size,
      running: this.running,
      waiting: this.ready.length - this.readyHead,
      ...this.stats,
    };
  }

  private rebuildQueue(): void {
    this.queue.clear();
    for (const [key, e] of this.entries) this.queue.push({ dueAt: e.dueAt, key, gen: e.gen });
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.queue.peek();
    if (!next) return;
    const at = Math.max(next.dueAt, this.now());
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.tick(), Math.max(0, at - this.now()));
  }

  private tick(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    const now = this.now();
    for (let item = this.queue.peek(); item && item.dueAt <= now; item = this.queue.peek()) {
      this.queue.pop();
      const entry = this.entries.get(item.key);
      if (!entry || entry.gen !== item.gen) continue;
      this.reschedule(entry, now);
      if (entry.running) {
        this.stats.skipped++;
        continue;
      }
      entry.running = true;
      this.ready.push(entry);
    }
    this.drain();
    this.arm();
  }

  private reschedule(entry: Entry, now: number): void {
    const interval = entry.check.intervalMs;
    const jitter = (this.options.jitter ?? 0.02) * interval * Math.random();
    const due = entry.dueAt;
    let next = due + interval + jitter;
    // Fell behind by more than an interval (process paused): skip the missed runs.
    while (next <= now) next += interval;
    entry.dueAt = next;
    this.queue.push({ dueAt: next, key: entry.check.key, gen: entry.gen });
    entry.lastDue = due;
  }

  private drain(): void {
    while (this.running < this.options.concurrency && this.readyHead < this.ready.length) {
      const entry = this.ready[this.readyHead++]!;
      if (this.readyHead === this.ready.length) {
        this.ready = [];
        this.readyHead = 0;
      }
      if (this.entries.get(entry.check.key) !== entry) {
        entry.running = false;
        continue;
      }
      const lateness = this.now() - entry.lastDue;
      this.stats.runs++;
      if (lateness <= Math.max(1_000, entry.check.intervalMs * 0.1)) this.stats.onTime++;
      if (lateness > this.stats.maxLatenessMs) this.stats.maxLatenessMs = lateness;
      this.running++;
      this.options
        .run(entry.check)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          entry.running = false;
          if (!this.stopped) this.drain();
        });
    }
  }
}
