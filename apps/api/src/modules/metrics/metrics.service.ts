import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { PrismaService } from '../../database/prisma.service.js';
import { EventBus } from '../events/event-bus.js';
import type { PorticoEvent } from '../events/portico-event.js';

const DAY_MS = 86_400_000;

/**
 * Portico's Prometheus metrics, in a registry of its own. Counters and histograms follow the
 * event bus (deployments, targets, probe results) and HTTP traffic; gauges that describe stored
 * state (certificate expiry, health, desired objects) are read from the database at scrape time,
 * so every instance reports the same fleet-wide values and no state is kept in memory.
 * Events relayed from other instances (they carry `origin`) are not counted: each instance
 * counts what it did itself, and Prometheus sums the instances.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);
  private unsubscribe: (() => void) | null = null;
  private readonly deploymentStarts = new Map<string, number>();

  readonly httpRequests = new Counter({
    name: 'portico_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'portico_http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly deployments = new Counter({
    name: 'portico_deployments_total',
    help: 'Deployments finished on this instance, by outcome',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly deploymentDuration = new Histogram({
    name: 'portico_deployment_duration_seconds',
    help: 'Time from a deployment starting to finishing, by outcome',
    labelNames: ['status'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });
  readonly deploymentTargets = new Counter({
    name: 'portico_deployment_targets_total',
    help: 'Deployment targets (one agent each) finished on this instance, by outcome',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly probes = new Counter({
    name: 'portico_probe_results_total',
    help: 'Health probe results, by subject type and outcome (ok, warn, fail)',
    labelNames: ['subject_type', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly probeLatency = new Histogram({
    name: 'portico_probe_latency_seconds',
    help: 'Health probe latency, by subject type',
    labelNames: ['subject_type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** Counted at the HTTP server: upgrades to /api/v1/ws until their socket closes. */
  readonly websocketClients = new Gauge({
    name: 'portico_websocket_clients',
    help: 'WebSocket clients connected to this instance',
    registers: [this.registry],
  });

  constructor(
    private readonly bus: EventBus,
    private readonly prisma: PrismaService,
    private readonly http: HttpAdapterHost,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'portico_' });
    this.stateGauges();
  }

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe((event) => this.onEvent(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** WebSocket clients are counted where they connect, so the gateway needs no metrics code. */
  onApplicationBootstrap(): void {
    const server = this.http.httpAdapter?.getHttpServer() as Server | undefined;
    server?.on('upgrade', (req: { url?: string }, socket: Duplex) => {
      if (!req.url?.startsWith('/api/v1/ws')) return;
      this.websocketClients.inc();
      socket.once('close', () => this.websocketClients.dec());
    });
  }

  /** The text exposition format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  onEvent(event: PorticoEvent): void {
    if ((event as { origin?: unknown }).origin) return;
    switch (event.type) {
      case 'deployment.started':
        this.deploymentStarts.set(event.deploymentId, Date.parse(event.at));
        break;
      case 'deployment.finished':
        this.deployments.inc({ status: event.status });
        void this.observeDeployment(event.deploymentId, event.status, Date.parse(event.at));
        break;
      case 'target.finished':
        this.deploymentTargets.inc({ status: event.status ?? 'unknown' });
        break;
      case 'health.result':
        this.probes.inc({ subject_type: event.subjectType, outcome: event.outcome ?? event.status });
        if (typeof event.latencyMs === 'number') {
          this.probeLatency.observe({ subject_type: event.subjectType }, event.latencyMs / 1000);
        }
        break;
      default:
        break;
    }
  }

  private async observeDeployment(id: string, status: string, finishedAt: number): Promise<void> {
    let started = this.deploymentStarts.get(id);
    this.deploymentStarts.delete(id);
    if (started === undefined) {
      // Started before this process did, or by another instance: the row knows.
      const row = await this.prisma.deployment
        .findUnique({ where: { id }, select: { startedAt: true } })
        .catch(() => null);
      started = row?.startedAt?.getTime();
    }
    if (started !== undefined && Number.isFinite(finishedAt)) {
      this.deploymentDuration.observe({ status }, Math.max(0, (finishedAt - started) / 1000));
    }
  }

  private stateGauges(): void {
    const prisma = this.prisma;
    const logger = this.logger;
    const safely = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (error) {
        logger.warn({ err: error }, `metrics: reading ${what} failed`);
      }
    };
    new Gauge({
      name: 'portico_certificate_expiry_days',
      help: 'Days until each certificate expires (negative: expired)',
      labelNames: ['certificate_id', 'domain', 'status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        await safely('certificates', async () => {
          const certs = await prisma.certificate.findMany({
            where: { notAfter: { not: null } },
            select: { id: true, domains: true, status: true, notAfter: true },
          });
          for (const c of certs) {
            const days = (c.notAfter!.getTime() - Date.now()) / DAY_MS;
            this.set({ certificate_id: c.id, domain: c.domains[0] ?? '', status: c.status }, days);
          }
        });
      },
    });
    new Gauge({
      name: 'portico_health_checks',
      help: 'Health checks by current status',
      labelNames: ['subject_type', 'status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        await safely('health', async () => {
          const groups = await prisma.healthState.groupBy({
            by: ['subjectType', 'status'],
            _count: { _all: true },
          });
          for (const g of groups) this.set({ subject_type: g.subjectType, status: g.status }, g._count._all);
        });
      },
    });
    new Gauge({
      name: 'portico_desired_objects',
      help: 'Objects in the desired state, by kind',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      async collect() {
        await safely('desired state', async () => {
          const [agents, sites, upstreams, services] = [
            await prisma.agent.count(),
            await prisma.site.count(),
            await prisma.upstream.count(),
            await prisma.service.count(),
          ];
          this.set({ kind: 'agent' }, agents);
          this.set({ kind: 'site' }, sites);
          this.set({ kind: 'upstream' }, upstreams);
          this.set({ kind: 'service' }, services);
        });
      },
    });
    new Gauge({
      name: 'portico_fleet_revision',
      help: 'Current desired-state revision',
      registers: [this.registry],
      async collect() {
        await safely('revision', async () => {
          this.set((await prisma.fleetRevision.findUnique({ where: { id: 1 } }))?.revision ?? 0);
        });
      },
    });
  }
}
