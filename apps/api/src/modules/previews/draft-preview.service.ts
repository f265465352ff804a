import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { DesiredStateService } from '../desired-state/desired-state.service.js';
import { draftTouches, invariantViolation } from '../desired-state/fleet-invariants.js';
import type { FleetState, ProxyFlavor } from '../render/fleet-state.js';
import { RenderService } from '../render/render.service.js';
import type { CreateService } from '../services/dto/service.schema.js';
import type { CreateSite } from '../sites/dto/site.schema.js';
import { SITE_DEFAULTS } from '../sites/dto/site.schema.js';
import { resolveSiteReferences } from '../sites/site-references.js';
import { SitesRepository } from '../sites/sites.repository.js';
import { draftService, draftSite, hostnameWarnings, withService, withSite } from './draft-specs.js';

/**
 * Renders what a form holds before it is saved: the draft goes into the stored state (loaded
 * without keys) in memory, through the same renderer as a deploy. Nothing is written.
 */
@Injectable()
export class DraftPreviewService {
  constructor(
    private readonly state: DesiredStateService,
    private readonly render: RenderService,
    private readonly sites: SitesRepository,
  ) {}

  async site(dto: CreateSite, flavor: ProxyFlavor, replaces?: string) {
    const state = await this.withCertificate(await this.state.load(), dto.certificateId);
    const site = { ...SITE_DEFAULTS, ...dto };
    const { errors, routes, agentIds } = await resolveSiteReferences(
      {
        hostnames: site.hostnames,
        tlsMode: site.tlsMode,
        certificateId: site.certificateId,
        routes: site.routes,
        agents: site.agents,
        certificatePolicy: site.certificatePolicy ?? null,
      },
      this.sites.previewLookups(state),
    );
    if (errors.length) {
      throw new AppError(
        'VALIDATION_FAILED',
        errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      );
    }
    const spec = draftSite(dto, { routes: routes ?? [], agentIds: agentIds ?? [] }, replaces);
    const drafted = withSite(state, spec);
    // The rules a save would check, answered the same way (422 with the field), before rendering.
    const violation = invariantViolation(drafted, draftTouches('site', spec.name));
    if (violation) throw violation;
    return {
      flavor,
      revision: state.revision,
      files: this.render.renderSite(drafted, spec.id, flavor),
      warnings: hostnameWarnings(state, site.hostnames, replaces),
    };
  }

  async service(dto: CreateService) {
    const state = await this.state.load();
    const spec = draftService(state, dto);
    const drafted = withService(state, spec);
    const violation = invariantViolation(drafted, draftTouches('service', spec.name));
    if (violation) throw violation;
    return { revision: state.revision, file: this.render.renderUnit(drafted, spec.id) };
  }

  /** The stored state holds only certificates some site uses; a draft may name a fresh upload. */
  private async withCertificate(state: FleetState, id: string | null | undefined): Promise<FleetState> {
    if (!id || state.certificates.some((c) => c.id === id)) return state;
    const cert = await this.sites.certificateForPreview(id);
    return cert ? { ...state, certificates: [...state.certificates, { ...cert, keyPem: null }] } : state;
  }
}
