import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { pageSchema } from '../../common/http/page.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import { CertificateOrdersService } from './acme/certificate-orders.service.js';
import { CertificatesService } from './certificates.service.js';
import {
  type OrderCertificate,
  orderCertificateSchema,
  type RevokeCertificate,
  revokeCertificateSchema,
  type UploadCertificate,
  uploadCertificateSchema,
} from './dto/certificate.schema.js';

const orderQuery = pageSchema.extend({ certificateId: z.uuid().optional() });

@ApiTags('certificates')
@Controller('api/v1')
export class CertificatesController {
  constructor(
    private readonly certificates: CertificatesService,
    private readonly orders: CertificateOrdersService,
  ) {}

  @Get('certificates')
  list(@Query({ schema: pageSchema }) q: z.infer<typeof pageSchema>) {
    return this.certificates.list(q);
  }

  @Get('certificates/:id')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.certificates.get(id);
  }

  @Post('certificates')
  @Requires('write')
  upload(@Body({ schema: uploadCertificateSchema }) dto: UploadCertificate, @CurrentActor() actor: Actor) {
    return this.certificates.upload(dto, actor);
  }

  @Post('certificates/acme')
  @Requires('write')
  @HttpCode(202)
  order(@Body({ schema: orderCertificateSchema }) dto: OrderCertificate, @CurrentActor() actor: Actor) {
    return this.orders.order(dto, actor);
  }

  @Post('certificates/:id/revoke')
  @Requires('admin')
  @HttpCode(200)
  revoke(
    @Param('id', ParseUUIDPipe) id: string,
    @Body({ schema: revokeCertificateSchema }) dto: RevokeCertificate,
    @CurrentActor() actor: Actor,
  ) {
    return this.certificates.revoke(id, dto, actor);
  }

  @Get('certificate-orders')
  listOrders(@Query({ schema: orderQuery }) q: z.infer<typeof orderQuery>) {
    return this.orders.list(q);
  }

  @Get('certificate-orders/:id')
  getOrder(@Param('id', ParseUUIDPipe) id: string) {
    return this.orders.get(id);
  }
}
