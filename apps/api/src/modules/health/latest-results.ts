import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config.js';
import type { LatestResult } from './health-check.js';

/** Results are many: they reach Redis in batches, one HSET per batch. */
const FLUSH_MS = 500;

/**
 * The latest probe result of every check. In memory always (every instance hears every
 * result, its own and, through the Redis bridge, the others'); with REDIS_URL also in one
 * Redis hash, written by the instance that ran the probe, so an instance that starts (or a
 * dashboard that connects to it) knows every check's last answer at once instead of after an
 * interval.
 */
@Injectable()
export class LatestResults implements OnApplicationShutdown {
  private readonly logger = new Logger(LatestResults.name);
  private readonly results = new Map<string, LatestResult>();
  private redis: Redis | null = null;
  private pending = new Map<string, string>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(private readonly config: AppConfig) {}

  private get hash(): string {
    return `${this.config.redisPrefix}:health:latest`;
  }

  /** Connects to Redis (when configured) and loads what other instances stored. */
  async load(): Promise<void> {
    if (!this.config.redisUrl) return;
    this.redis = new Redis(this.config.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
    this.redis.on('error', (error: Error) =>
      this.logger.warn({ err: error.message }, 'redis connection problem'),
    );
    try {
      await this.redis.connect();
      const stored = await this.redis.hgetall(this.hash);
      for (const [key, raw] of Object.entries(stored)) {
        const result = JSON.parse(raw) as LatestResult;
        const known = this.results.get(key);
        if (!known || known.at < result.at) this.results.set(key, result);
      }
    } catch (error) {
      // Without the stored results the map still fills from live results.
      this.logger.warn({ err: (error as Error).message }, 'could not load latest results from Redis');
    }
  }

  /** A result heard on the bus; `own` results (probed here) are also written to Redis. */
  set(result: LatestResult, own: boolean): void {
    this.results.set(result.checkKey, result);
    if (!own || !this.redis) return;
    this.pending.set(result.checkKey, JSON.stringify(result));
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  get(key: string): LatestResult | undefined {
    return this.results.get(key);
  }

  /** Forgets checks that left the plan (the leader also removes them from Redis). */
  async prune(keep: Set<string>, fromRedis: boolean): Promise<void> {
    const gone = [...this.results.keys()].filter((k) => !keep.has(k));
    for (const key of gone) this.results.delete(key);
    if (fromRedis && gone.length && this.redis) await this.redis.hdel(this.hash, ...gone).catch(() => 0);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
    await this.redis?.quit().catch(() => undefined);
    this.redis = null;
  }

  private async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (!this.pending.size || !this.redis) return;
    const batch = this.pending;
    this.pending = new Map();
    await this.redis
      .hset(this.hash, Object.fromEntries(batch))
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'could not store latest results'));
  }
}
