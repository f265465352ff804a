import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { pageSchema } from '../../common/http/page.js';
import { ApiView } from '../../common/http/view-schema.js';
import { PrismaService } from '../../database/prisma.service.js';
import { auditPageView } from './audit-event.view.js';

const auditQuery = pageSchema.extend({
  targetType: z.string().max(64).optional(),
  targetId: z.string().max(64).optional(),
  actor: z.string().max(254).optional().describe('actor email'),
  action: z.string().max(64).optional(),
});

@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly prisma: PrismaService) {}

  @ApiView(auditPageView)
  @Get()
  async list(@Query({ schema: auditQuery }) q: z.infer<typeof auditQuery>) {
    const where = {
      targetType: q.targetType,
      targetId: q.targetId,
      actorLabel: q.actor,
      action: q.action,
    };
    const [items, total] = await Promise.all([
      this.prisma.auditEvent.findMany({
        where,
        // Events of one millisecond still page in a stable order.
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        skip: q.offset,
        take: q.limit,
      }),
      this.prisma.auditEvent.count({ where }),
    ]);
    return { items, total, limit: q.limit, offset: q.offset };
  }
}
