import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AppError } from '../../common/errors/app-error.js';
import { IdParam } from '../../common/http/id-param.js';
import { pageSchema } from '../../common/http/page.js';
import { PrismaService } from '../../database/prisma.service.js';

// Read side of certificates. Deployments live in deployments/, health in health/.

const CERT_FIELDS = {
  id: true,
  domains: true,
  source: true,
  status: true,
  chainPem: true,
  issuer: true,
  serial: true,
  notBefore: true,
  notAfter: true,
  createdAt: true,
  updatedAt: true,
} as const;

@ApiTags('records')
@Controller('api/v1')
export class RecordsController {
  constructor(private readonly prisma: PrismaService) {}

  @Get('certificates')
  async certificates(@Query({ schema: pageSchema }) q: z.infer<typeof pageSchema>) {
    const [items, total] = await Promise.all([
      this.prisma.certificate.findMany({
        select: CERT_FIELDS,
        orderBy: { createdAt: 'desc' },
        skip: q.offset,
        take: q.limit,
      }),
      this.prisma.certificate.count(),
    ]);
    return { items, total, limit: q.limit, offset: q.offset };
  }

  @Get('certificates/:id')
  async certificate(@IdParam() id: string) {
    return (
      (await this.prisma.certificate.findUnique({ where: { id }, select: CERT_FIELDS })) ??
      missing('Certificate', id)
    );
  }
}

function missing(what: string, id: string): never {
  throw AppError.notFound(what, id);
}
