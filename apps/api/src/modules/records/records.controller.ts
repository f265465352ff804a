import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AppError } from '../../common/errors/app-error.js';
import { pageSchema } from '../../common/http/page.js';
import { PrismaService } from '../../database/prisma.service.js';

// Read side of certificates, deployments and health. Their behaviour (ACME, deploys, probes)
// arrives with their own issues; the records and these endpoints exist from the start.

const CERT_FIELDS = {
  id: true, domains: true, source: true, status: true, chainPem: true, issuer: true, serial: true,
  notBefore: true, notAfter: true, createdAt: true, updatedAt: true,
} as const;

const eventsQuery = pageSchema.extend({
  subjectType: z.enum(['site', 'upstream', 'agent', 'certificate']).optional(),
  subjectId: z.string().max(64).optional(),
});

@ApiTags('records')
@Controller('api/v1')
export class RecordsController {
  constructor(private readonly prisma: PrismaService) {}

  @Get('certificates')
  async certificates(@Query({ schema: pageSchema }) q: z.infer<typeof pageSchema>) {
    const [items, total] = await Promise.all([
      this.prisma.certificate.findMany({ select: CERT_FIELDS, orderBy: { createdAt: 'desc' }, skip: q.offset, take: q.limit }),
      this.prisma.certificate.count(),
    ]);
    return { items, total, limit: q.limit, offset: q.offset };
  }

  @Get('certificates/:id')
  async certificate(@Param('id', ParseUUIDPipe) id: string) {
    return (await this.prisma.certificate.findUnique({ where: { id }, select: CERT_FIELDS })) ?? missing('Certificate', id);
  }

  @Get('deployments')
  async deployments(@Query({ schema: pageSchema }) q: z.infer<typeof pageSchema>) {
    const [items, total] = await Promise.all([
      this.prisma.deployment.findMany({ orderBy: { createdAt: 'desc' }, skip: q.offset, take: q.limit }),
      this.prisma.deployment.count(),
    ]);
    return { items, total, limit: q.limit, offset: q.offset };
  }

  @Get('deployments/:id')
  async deployment(@Param('id', ParseUUIDPipe) id: string) {
    return (
      (await this.prisma.deployment.findUnique({ where: { id }, include: { targets: true } })) ?? missing('Deployment', id)
    );
  }

  @Get('health')
  async health() {
    return { items: await this.prisma.healthState.findMany({ orderBy: { checkKey: 'asc' } }) };
  }

  @Get('health/events')
  async healthEvents(@Query({ schema: eventsQuery }) q: z.infer<typeof eventsQuery>) {
    const where = { subjectType: q.subjectType, subjectId: q.subjectId };
    const [items, total] = await Promise.all([
      this.prisma.healthEvent.findMany({ where, orderBy: { at: 'desc' }, skip: q.offset, take: q.limit }),
      this.prisma.healthEvent.count({ where }),
    ]);
    return { items, total, limit: q.limit, offset: q.offset };
  }
}

function missing(what: string, id: string): never {
  throw AppError.notFound(what, id);
}
