import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { IdParam } from '../../../common/http/id-param.js';
import { etagOf, expectedVersion } from '../../../common/http/versioning.js';
import { ApiView } from '../../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../../auth/auth.decorators.js';
import type { Actor } from '../../auth/principal.js';
import type { CreateCertificatePolicy, UpdateCertificatePolicy } from '../dto/certificate-policy.schema.js';
import {
  createCertificatePolicySchema,
  updateCertificatePolicySchema,
} from '../dto/certificate-policy.schema.js';
import { CERTIFICATE_POLICY_PERMISSION, CertificatePolicies } from './certificate-policies.service.js';
import { policyListView, policyView } from './certificate-policy.view.js';

@ApiTags('certificates')
@Controller('api/v1/certificate-policies')
export class CertificatePoliciesController {
  constructor(private readonly policies: CertificatePolicies) {}

  @ApiView(policyListView)
  @Get()
  list() {
    return this.policies.list();
  }

  @ApiView(policyView)
  @Get(':id')
  async get(@IdParam() id: string, @Res({ passthrough: true }) res: Response) {
    const policy = await this.policies.get(id);
    res.setHeader('ETag', etagOf(policy.version));
    return policy;
  }

  @ApiView(policyView, 201)
  @Post()
  @Requires(CERTIFICATE_POLICY_PERMISSION)
  create(
    @Body({ schema: createCertificatePolicySchema }) dto: CreateCertificatePolicy,
    @CurrentActor() actor: Actor,
  ) {
    return this.policies.create(dto, actor);
  }

  @ApiView(policyView)
  @Patch(':id')
  @Requires(CERTIFICATE_POLICY_PERMISSION)
  update(
    @IdParam() id: string,
    @Body({ schema: updateCertificatePolicySchema }) dto: UpdateCertificatePolicy,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.policies.update(id, dto, expectedVersion(ifMatch, dto.version), actor);
  }

  @Delete(':id')
  @Requires(CERTIFICATE_POLICY_PERMISSION)
  @HttpCode(204)
  remove(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.policies.remove(id, expectedVersion(ifMatch, undefined), actor);
  }
}
