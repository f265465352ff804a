import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config.js';
import { EventBus } from './event-bus.js';
import { InstanceIdentity } from './instance-identity.js';
import type { PorticoEvent } from './portico-event.js';

/** Probe results are many and only informative: they travel in batches; everything else at once. */
const BATCH_MS = 200;

interface Envelope {
  origin: string;
  events: PorticoEvent[];
}

/**
 * With REDIS_URL, every event published on one instance's bus is published on every other
 * instance's bus too (tagged with `origin`), so a dashboard connected to instance B sees what
 * instance A observed. Consumers that store events (health transitions, deployment rows) do
 * so on the instance that produced them; remote events are for delivery only.
 */
@Injectable()
export class RedisBridge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RedisBridge.name);
  private pub: Redis | null = null;
  private sub: Redis | null = null;
  private readonly injected = new WeakSet<PorticoEvent>();
  private pending: PorticoEvent[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly config: AppConfig,
    private readonly instance: InstanceIdentity,
  ) {}

  private get channel(): string {
    return `${this.config.redisPrefix}:events`;
  }

  get enabled(): boolean {
    return this.pub !== null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const url = this.config.redisUrl;
    if (!url) return;
    const options = { maxRetriesPerRequest: 2, enableAutoPipelining: true, lazyConnect: true };
    this.pub = new Redis(url, options);
    this.sub = new Redis(url, { ...options, enableAutoPipelining: false });
    for (const client of [this.pub, this.sub]) {
      client.on('error', (error: Error) =>
        this.logger.warn({ err: error.message }, 'redis connection problem'),
      );
    }
    await Promise.all([this.pub.connect(), this.sub.connect()]);
    this.sub.on('message', (_channel: string, raw: string) => this.receive(raw));
    await this.sub.subscribe(this.channel);
    this.unsubscribe = this.bus.subscribe((event) => this.send(event));
    this.logger.log({ instance: this.instance.id }, 'events cross instances through Redis');
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flush();
    await Promise.allSettled([this.pub?.quit(), this.sub?.quit()]);
    this.pub = null;
    this.sub = null;
  }

  private send(event: PorticoEvent): void {
    if (this.injected.has(event) || event.origin) return;
    if (event.type === 'health.result') {
      this.pending.push(event);
      this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
      return;
    }
    this.publish([event]);
  }

  private flush(): void {
    this.flushTimer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.publish(batch);
  }

  private publish(events: PorticoEvent[]): void {
    const envelope: Envelope = { origin: this.instance.id, events };
    this.pub?.publish(this.channel, JSON.stringify(envelope)).catch((error: Error) => {
      this.logger.warn({ err: error.message, count: events.length }, 'events not sent to other instances');
    });
  }

  private receive(raw: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (envelope.origin === this.instance.id) return;
    for (const event of envelope.events) {
      const remote = { ...event, origin: envelope.origin };
      this.injected.add(remote);
      this.bus.publish(remote);
    }
  }
}
