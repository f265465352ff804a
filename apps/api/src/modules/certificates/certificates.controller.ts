import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { pageSchema } from '../../common/http/page.js';
import { ApiView } from '../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import { CertificateOrdersService } from './acme/certificate-orders.service.js';
import {
  certificatePageView,
  certificateView,
  orderPageView,
  orderView,
  revokedCertificateView,
} from './certificate.view.js';
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

  @ApiView(certificatePageView)
  @Get('certificates')
  list(@Query({ schema: pageSchema }) q: z.infer<typeof pageSchema>) {
    return this.certificates.list(q);
  }

  @ApiView(certificateView)
  @Get('certificates/:id')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.certificates.get(id);
  }

  @ApiView(certificateView, 201)
  @Post('certificates')
  @Requires('write')
  upload(@Body({ schema: uploadCertificateSchema }) dto: UploadCertificate, @CurrentActor() actor: Actor) {
    return this.certificates.upload(dto, actor);
  }

  @ApiView(orderView, 202)
  @Post('certificates/acme')
  @Requires('write')
  @HttpCode(202)
  order(@Body({ schema: orderCertificateSchema }) dto: OrderCertificate, @CurrentActor() actor: Actor) {
    return this.orders.order(dto, actor);
  }

  @ApiView(revokedCertificateView)
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

  @ApiView(orderPageView)
  @Get('certificate-orders')
  listOrders(@Query({ schema: orderQuery }) q: z.infer<typeof orderQuery>) {
    return this.orders.list(q);
  }

  @ApiView(orderView)
  @Get('certificate-orders/:id')
  getOrder(@Param('id', ParseUUIDPipe) id: string) {
    return this.orders.get(id);
  }
}
