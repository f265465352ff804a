import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../database/prisma.service.js';
import { HealthQueries } from '../health/health-queries.js';
import type { ParsedTopic } from './topic-access.js';

const TARGET_FIELDS = {
  id: true,
  agentId: true,
  status: true,
  startedAt: true,
  finishedAt: true,
  error: true,
} as const;

/**
 * What a dashboard needs to draw a topic from nothing: read from Postgres (shared by every
 * instance) plus the latest probe results this instance has heard. Null: no such thing.
 */
@Injectable()
export class TopicSnapshots {
  constructor(
    private readonly prisma: PrismaService,
    private readonly health: HealthQueries,
  ) {}

  async read(t: ParsedTopic): Promise<Record<string, unknown> | null> {
    const id = t.id ?? '';
    switch (t.kind) {
      case 'fleet': {
        const [health, deployments] = await Promise.all([
          this.health.current(),
          this.prisma.deployment.findMany({
            where: { status: { in: ['pending', 'running'] } },
            orderBy: { createdAt: 'desc' },
            take: 50,
            include: { targets: { select: TARGET_FIELDS } },
          }),
        ]);
        return { health: health.items, deployments };
      }
      case 'site': {
        const site = await this.prisma.site.findUnique({
          where: { id },
          select: {
            id: true,
            name: true,
            hostnames: { select: { hostname: true }, orderBy: { position: 'asc' } },
          },
        });
        if (!site) return null;
        return {
          site: { id: site.id, name: site.name, hostnames: site.hostnames.map((h) => h.hostname) },
          health: await this.health.ofSubject('site', id),
        };
      }
      case 'upstream': {
        const upstream = await this.prisma.upstream.findUnique({
          where: { id },
          select: { id: true, name: true, kind: true },
        });
        return upstream && { upstream, health: await this.health.ofSubject('upstream', id) };
      }
      case 'agent': {
        const agent = await this.prisma.agent.findUnique({
          where: { id },
          select: { id: true, name: true, address: true },
        });
        return agent && { agent, health: await this.health.throughAgent(id) };
      }
      case 'deployment': {
        const deployment = await this.prisma.deployment.findUnique({
          where: { id },
          include: { targets: { select: TARGET_FIELDS } },
        });
        return deployment && { deployment };
      }
      case 'certificate': {
        const certificate = await this.prisma.certificate.findUnique({
          where: { id },
          select: { id: true, domains: true, status: true, notAfter: true, updatedAt: true },
        });
        return certificate && { certificate };
      }
    }
  }
}
