import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { PrismaService } from '../../database/prisma.service.js';
import { DesiredStateService } from '../desired-state/desired-state.service.js';
import type { CreateService } from '../services/dto/service.schema.js';
import type { CreateSite } from '../sites/dto/site.schema.js';
import { policyProblem } from '../sites/policy-problem.js';
import { draftService, draftSite, withService, withSite } from './draft-specs.js';
import type { FleetState, ProxyFlavor } from './fleet-state.js';
import { RenderService } from './render.service.js';

/**
 * Renders what a form holds before it is saved: the draft goes into the stored state (loaded
 * without keys) in memory, through the same renderer as a deploy. Nothing is written.
 */
@Injectable()
export class DraftPreviewService {
  constructor(
    private readonly state: DesiredStateService,
    private readonly render: RenderService,
    private readonly prisma: PrismaService,
  ) {}

  async site(dto: CreateSite, flavor: ProxyFlavor, replaces?: string) {
    await this.checkPolicy(dto);
    const state = await this.withCertificate(await this.state.load(), dto.certificateId);
    const { spec, warnings } = draftSite(state, dto, replaces);
    return {
      flavor,
      revision: state.revision,
      files: this.render.renderSite(withSite(state, spec), spec.id, flavor),
      warnings,
    };
  }

  async service(dto: CreateService) {
    const state = await this.state.load();
    const spec = draftService(state, dto);
    return { revision: state.revision, file: this.render.renderUnit(withService(state, spec), spec.id) };
  }

  /** The certificate policy is not part of what renders, but a save checks it: so does a preview. */
  private async checkPolicy(dto: CreateSite): Promise<void> {
    if (!dto.certificatePolicy) return;
    const policy = await this.prisma.certificatePolicy.findUnique({ where: { name: dto.certificatePolicy } });
    if (!policy)
      throw AppError.invalid('certificatePolicy', `no certificate policy named ${dto.certificatePolicy}`);
    const problem = policyProblem(dto.tlsMode ?? 'off', dto.hostnames, policy);
    if (problem) throw AppError.invalid('certificatePolicy', problem);
  }

  /** The stored state holds only certificates some site uses; a draft may name a fresh upload. */
  private async withCertificate(state: FleetState, id: string | null | undefined): Promise<FleetState> {
    if (!id || state.certificates.some((c) => c.id === id)) return state;
    const cert = await this.prisma.certificate.findUnique({
      where: { id },
      select: { id: true, domains: true, chainPem: true },
    });
    return cert ? { ...state, certificates: [...state.certificates, { ...cert, keyPem: null }] } : state;
  }
}
