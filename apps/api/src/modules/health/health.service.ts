import { readFileSync } from 'node:fs';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { AppConfig } from '../../config/app-config.js';
import { EventBus } from '../events/event-bus.js';
import { InstanceIdentity } from '../events/instance-identity.js';
import type { HealthEvent, Topic } from '../events/portico-event.js';
import { AgentProbes } from './agent-probes.js';
import { planChecks } from './check-planner.js';
import { HealthRepository } from './health.repository.js';
import type { CheckSpec, HealthStatus, LatestResult, ProbeResult } from './health-check.js';
import { HealthScheduler, type SchedulerStats } from './health-scheduler.js';
import { advance, type CheckState, initialState, type Thresholds } from './health-state-machine.js';
import { LatestResults } from './latest-results.js';
import { ProbeRunner } from './probe-runner.js';
import { ownerOf } from './rendezvous.js';
import { ResponseHistory, type Sample } from './response-history.js';

export interface HealthRuntime {
  instance: string;
  enabled: boolean;
  /** Instances with a live heartbeat, this one included. */
  members: string[];
  /** Checks in the whole fleet, and how many of them this instance runs. */
  planned: number;
  owned: number;
  /** The checks this instance runs (the first 1,000). */
  ownedKeys: string[];
  scheduler: SchedulerStats;
  /** This process's memory in MiB (rss, heapUsed, external). */
  memoryMiB: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
}

/**
 * Runs this instance's share of the fleet's checks. The plan comes from the desired state
 * (re-read when the revision moves); the share from rendezvous hashing over the instances
 * with a live heartbeat in Postgres. Every result goes on the bus (`health.result`), and a
 * change of state is stored as a HealthEvent and published (`health.transition`).
 */
@Injectable()
export class HealthService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HealthService.name);
  private readonly scheduler: HealthScheduler;
  private readonly prober: ProbeRunner;
  private readonly thresholds: Thresholds;
  private readonly states = new Map<string, CheckState>();
  private readonly history = new ResponseHistory();
  private plan = new Map<string, CheckSpec>();
  private members: string[] = [];
  private revision = -1;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly repo: HealthRepository,
    private readonly bus: EventBus,
    private readonly config: AppConfig,
    private readonly instance: InstanceIdentity,
    private readonly latest: LatestResults,
    agentProbes: AgentProbes,
    policy: OutboundPolicy,
  ) {
    const h = config.health;
    this.thresholds = { degradeAfter: h.degradeAfter, downAfter: h.downAfter, riseAfter: h.riseAfter };
    this.prober = new ProbeRunner(
      h.tlsWarnDays,
      h.tlsCaFile ? readFileSync(h.tlsCaFile, 'utf8') : undefined,
      agentProbes,
      policy,
    );
    this.scheduler = new HealthScheduler({
      concurrency: h.concurrency,
      run: (check) => this.runCheck(check),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Results from every instance (through the Redis bridge too) keep `latest` complete here;
    // what was probed before this instance started comes from Redis.
    this.unsubscribe = this.bus.subscribe((event) => {
      if (event.type === 'target.finished') return this.afterDeploy(event.agentId, event.status);
      if (event.type !== 'health.result') return;
      const result = toLatest(event);
      this.latest.set(result, !event.origin);
      this.history.record(result);
    });
    await this.latest.load();
    if (!this.config.health.enabled) return;
    this.scheduler.start();
    const every = Math.min(this.config.health.refreshMs, this.config.health.leaseMs / 3);
    const loop = () => {
      if (this.stopped) return;
      this.refresh()
        .catch((error: Error) => this.logger.warn({ err: error.message }, 'health refresh failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, every);
        });
    };
    loop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.scheduler.stop();
    await this.refreshing?.catch(() => undefined);
    // Hand our checks on at once instead of after the lease runs out.
    if (this.config.health.enabled) await this.repo.leave(this.instance.id).catch(() => undefined);
  }

  runtime(): HealthRuntime {
    return {
      instance: this.instance.id,
      enabled: this.config.health.enabled,
      members: this.members,
      planned: this.plan.size,
      owned: this.scheduler.keys().length,
      ownedKeys: this.scheduler.keys().slice(0, 1_000),
      scheduler: this.scheduler.getStats(),
      memoryMiB: mib(process.memoryUsage()),
    };
  }

  /** Latest probe result of each given check, as far as this instance has heard. */
  latestFor(keys: Iterable<string>): LatestResult[] {
    const out: LatestResult[] = [];
    for (const key of keys) {
      const result = this.latest.get(key);
      if (result) out.push(result);
    }
    return out;
  }

  /** Recent samples (response time, outcome, state) of one check, oldest first. */
  samplesOf(key: string): Sample[] {
    return this.history.samples(key);
  }

  /** One pass: heartbeat, look at peers and the revision, re-plan and re-share if either moved. */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    await this.repo.heartbeat(this.instance.id);
    const [members, revision] = await Promise.all([
      this.repo.liveWorkers(this.config.health.leaseMs),
      this.repo.revision(),
    ]);
    if (!members.includes(this.instance.id)) members.push(this.instance.id);
    members.sort();
    const membersChanged = members.join() !== this.members.join();
    if (revision !== this.revision) {
      const input = await this.repo.planInput();
      const h = this.config.health;
      this.plan = new Map(
        planChecks(input, {
          intervalMs: h.intervalMs,
          timeoutMs: h.timeoutMs,
          driftIntervalMs: h.driftIntervalMs,
        }).map((c) => [c.key, c]),
      );
      this.revision = revision;
      const leader = members[0] === this.instance.id;
      if (leader) await this.repo.pruneStates(new Set(this.plan.keys()));
      await this.latest.prune(new Set(this.plan.keys()), leader);
      this.history.prune(new Set(this.plan.keys()));
    } else if (!membersChanged) {
      return;
    }
    if (membersChanged)
      this.logger.log({ members, instance: this.instance.id }, 'health check instances changed');
    this.members = members;
    await this.assign();
  }

  private async assign(): Promise<void> {
    const mine = [...this.plan.values()].filter((c) => ownerOf(c.key, this.members) === this.instance.id);
    const fresh = mine.filter((c) => !this.scheduler.has(c.key)).map((c) => c.key);
    // Checks that arrive from another instance continue from the stored state, not from unknown.
    for (let i = 0; i < fresh.length; i += 5_000) {
      for (const stored of await this.repo.states(fresh.slice(i, i + 5_000))) {
        this.states.set(stored.checkKey, initialState(stored.status));
      }
    }
    const { removed } = this.scheduler.setChecks(mine);
    for (const key of removed) this.states.delete(key);
    if (fresh.length || removed.length) {
      this.logger.log(
        { owned: mine.length, added: fresh.length, removed: removed.length },
        'health checks assigned',
      );
    }
  }

  /**
   * A deploy that left the agent on a known tree: its drift check runs now (on the instance that
   * owns it), and an in-sync answer clears a drift warning at once instead of after riseAfter
   * intervals. Drift found right after a deploy is real and reported as usual.
   */
  private afterDeploy(agentId: string, status: string | undefined): void {
    if (this.stopped || !['succeeded', 'unchanged', 'rolled_back'].includes(status ?? '')) return;
    const check = this.plan.get(`agent:${agentId}:drift`);
    if (!check || !this.scheduler.has(check.key)) return;
    this.runCheck(check, true).catch((error: Error) =>
      this.logger.warn({ err: error.message, checkKey: check.key }, 'drift check after a deploy failed'),
    );
  }

  /** `fresh`: an ok result is taken as the new truth (up at once), not as one of a streak. */
  private async runCheck(check: CheckSpec, fresh = false): Promise<void> {
    const result = await this.prober.run(check);
    if (this.stopped || !this.scheduler.has(check.key) || result.skipped) return;
    const previous = this.states.get(check.key) ?? initialState();
    const next =
      fresh && result.outcome === 'ok'
        ? { ...initialState('up'), okStreak: 1 }
        : advance(previous, result.outcome, this.thresholds, result.conclusive);
    this.states.set(check.key, next);
    const at = new Date();
    this.publishResult(check, result, next.status, at);
    if (next.status === previous.status) return;
    const detail = {
      outcome: result.outcome,
      message: result.message,
      latencyMs: result.latencyMs,
      ...result.detail,
    };
    const stored = await this.repo.recordTransition(check, previous.status, next.status, at, detail);
    if (!stored) {
      // Another instance moved it first (membership was settling): adopt what is stored.
      const [row] = await this.repo.states([check.key]);
      if (row) this.states.set(check.key, { ...next, status: row.status });
      return;
    }
    this.bus.publish({
      type: 'health.transition',
      at: at.toISOString(),
      topics: topicsOf(check, true),
      checkKey: check.key,
      subjectType: check.subjectType,
      subjectId: check.subjectId,
      agentId: check.agentId,
      status: next.status,
      from: previous.status,
      outcome: result.outcome,
      latencyMs: result.latencyMs,
      message: result.message,
      detail: result.detail,
    });
  }

  private publishResult(check: CheckSpec, result: ProbeResult, status: HealthStatus, at: Date): void {
    const event: HealthEvent = {
      type: 'health.result',
      at: at.toISOString(),
      topics: topicsOf(check, false),
      checkKey: check.key,
      subjectType: check.subjectType,
      subjectId: check.subjectId,
      agentId: check.agentId,
      status,
      outcome: result.outcome,
      latencyMs: result.latencyMs,
      message: result.message,
      detail: result.detail,
    };
    // The bus subscription above records it in `latest` (and Redis).
    this.bus.publish(event);
  }
}

function mib(m: NodeJS.MemoryUsage): HealthRuntime['memoryMiB'] {
  const f = (n: number) => Math.round(n / 1_048_576);
  return { rss: f(m.rss), heapUsed: f(m.heapUsed), external: f(m.external), arrayBuffers: f(m.arrayBuffers) };
}

/** Transitions reach the fleet view; individual results only those watching the subject. */
function topicsOf(check: CheckSpec, transition: boolean): Topic[] {
  const topics: Topic[] = transition ? ['fleet'] : [];
  if (check.subjectType === 'site') topics.push(`site:${check.subjectId}`);
  if (check.subjectType === 'upstream') topics.push(`upstream:${check.subjectId}`);
  if (check.agentId) topics.push(`agent:${check.agentId}`);
  return topics;
}

function toLatest(event: HealthEvent): LatestResult {
  return {
    checkKey: event.checkKey,
    at: event.at,
    status: event.status as HealthStatus,
    outcome: (event.outcome ?? 'fail') as LatestResult['outcome'],
    latencyMs: event.latencyMs ?? 0,
    message: event.message ?? '',
    detail: event.detail,
  };
}
