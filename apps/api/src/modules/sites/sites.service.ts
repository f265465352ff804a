import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { versionConflict } from '../../common/http/versioning.js';
import type { Tx } from '../../database/prisma.service.js';
import { lockForWrite } from '../../database/row-locks.js';
import { AuditService } from '../audit/audit.service.js';
import { authorize } from '../auth/authorize.js';
import type { Actor, Permission } from '../auth/principal.js';
import type { StateChange } from '../desired-state/state-change.js';
import { StateWriter } from '../desired-state/state-writer.js';
import type { CreateSite, UpdateSite } from './dto/site.schema.js';
import { SITE_DEFAULTS } from './dto/site.schema.js';
import { SiteView, toSiteView } from './site.view.js';
import { resolveSiteReferences, type SiteReferencesInput } from './site-references.js';
import { SiteChildren, SitesRepository } from './sites.repository.js';

export const SITE_PERMISSION: Permission = 'write';

@Injectable()
export class SitesService {
  constructor(
    private readonly repo: SitesRepository,
    private readonly writer: StateWriter,
    private readonly audit: AuditService,
  ) {}

  async list(q: Parameters<SitesRepository['list']>[0]) {
    const { items, total } = await this.repo.list(q);
    return { items: items.map(toSiteView), total };
  }

  async get(id: string): Promise<SiteView> {
    return toSiteView((await this.repo.find(id)) ?? notFound(id));
  }

  create(dto: CreateSite, actor: Actor): Promise<SiteView> {
    return this.writer.run(actor, (change) => this.createIn(change, dto));
  }

  update(id: string, dto: UpdateSite, expected: number | undefined, actor: Actor): Promise<SiteView> {
    return this.writer.run(actor, (change) => this.updateIn(change, id, dto, expected));
  }

  async remove(id: string, expected: number | undefined, actor: Actor): Promise<void> {
    await this.writer.run(actor, (change) => this.removeIn(change, id, expected));
  }

  async idByName(change: StateChange, name: string): Promise<string | null> {
    return (await this.repo.findByName(name, change.tx))?.id ?? null;
  }

  async createIn(change: StateChange, dto: CreateSite): Promise<SiteView> {
    authorize(change.actor, SITE_PERMISSION, 'Changing sites');
    const { tx } = change;
    const site = { ...SITE_DEFAULTS, ...dto };
    if (await this.repo.findByName(dto.name, tx)) {
      throw new AppError('NAME_TAKEN', `A site named ${dto.name} already exists`, [
        { field: 'name', message: 'is already used' },
      ]);
    }
    await this.claimHostnames(tx, site.hostnames, undefined);
    const children = await this.resolve(tx, {
      hostnames: site.hostnames,
      tlsMode: site.tlsMode,
      certificateId: site.certificateId,
      routes: site.routes,
      agents: site.agents,
      certificatePolicy: site.certificatePolicy ?? null,
    });
    const { routes: _r, agents: _a, hostnames: _h, certificatePolicy: _p, ...fields } = site;
    const created = toSiteView(
      await this.repo.create(tx, fields, {
        ...children,
        hostnames: site.hostnames,
      } as Required<SiteChildren>),
    );
    change.touch('site', created.name);
    await this.audit.record(tx, change.actor, {
      action: 'site.create',
      targetType: 'site',
      targetId: created.id,
      after: created,
    });
    return created;
  }

  async updateIn(
    change: StateChange,
    id: string,
    dto: UpdateSite,
    expected: number | undefined,
  ): Promise<SiteView> {
    authorize(change.actor, SITE_PERMISSION, 'Changing sites');
    const { tx } = change;
    const row = await lockForWrite(tx, 'Site', id, expected, () => this.repo.find(id, tx));
    if (dto.name && dto.name !== row.name && (await this.repo.findByName(dto.name, tx))) {
      throw new AppError('NAME_TAKEN', `A site named ${dto.name} already exists`, [
        { field: 'name', message: 'is already used' },
      ]);
    }
    if (dto.hostnames) await this.claimHostnames(tx, dto.hostnames, id);
    const children = await this.resolve(tx, {
      hostnames: dto.hostnames ?? row.hostnames.map((h) => h.hostname),
      tlsMode: dto.tlsMode ?? row.tlsMode,
      certificateId: dto.certificateId === undefined ? row.certificateId : dto.certificateId,
      routes: dto.routes,
      agents: dto.agents,
      certificatePolicy: dto.certificatePolicy,
      keptPolicyId: row.certificatePolicyId,
    });
    const { routes: _r, agents: _a, hostnames: _h, certificatePolicy: _p, version: _v, ...fields } = dto;
    const updated = await this.repo.updateAtVersion(tx, id, row.version, fields, {
      ...children,
      ...(dto.hostnames ? { hostnames: dto.hostnames } : {}),
    });
    if (!updated) throw versionConflict('Site', id, row.version, row.version + 1);
    const before = toSiteView(row);
    const after = toSiteView(updated);
    change.touch('site', before.name, after.name);
    await this.audit.record(tx, change.actor, {
      action: 'site.update',
      targetType: 'site',
      targetId: id,
      before,
      after,
    });
    return after;
  }

  async removeIn(change: StateChange, id: string, expected: number | undefined): Promise<void> {
    authorize(change.actor, SITE_PERMISSION, 'Changing sites');
    const { tx } = change;
    const row = await lockForWrite(tx, 'Site', id, expected, () => this.repo.find(id, tx));
    await this.repo.delete(tx, id);
    change.touch('site', row.name);
    await this.audit.record(tx, change.actor, {
      action: 'site.delete',
      targetType: 'site',
      targetId: id,
      before: toSiteView(row),
    });
  }

  /**
   * Points a site at a certificate (an upload for it, or the pending certificate of an ACME
   * order), optionally switching its TLS mode: the certificates feature's one way to change a
   * site, held to the site's rules and invariants like any other update.
   */
  async attachCertificateIn(
    change: StateChange,
    id: string,
    certificateId: string,
    tlsMode?: 'acme' | 'uploaded',
  ): Promise<SiteView> {
    authorize(change.actor, SITE_PERMISSION, 'Changing sites');
    const { tx } = change;
    const row = await lockForWrite(tx, 'Site', id, undefined, () => this.repo.find(id, tx));
    await this.resolve(tx, {
      hostnames: row.hostnames.map((h) => h.hostname),
      tlsMode: tlsMode ?? row.tlsMode,
      certificateId,
      keptPolicyId: row.certificatePolicyId,
    });
    const updated = await this.repo.updateAtVersion(
      tx,
      id,
      row.version,
      { certificateId, ...(tlsMode ? { tlsMode } : {}) },
      {},
    );
    if (!updated) throw versionConflict('Site', id, row.version, row.version + 1);
    change.touch('site', row.name);
    await this.audit.record(tx, change.actor, {
      action: 'site.update',
      targetType: 'site',
      targetId: id,
      before: { tlsMode: row.tlsMode, certificateId: row.certificateId },
      after: { tlsMode: updated.tlsMode, certificateId: updated.certificateId },
    });
    return toSiteView(updated);
  }

  /**
   * Lets go of these sites' hostnames ahead of their updates in the same change, so a fleet
   * document can move a hostname from one site to another; each update then claims its own.
   */
  async releaseHostnamesIn(change: StateChange, siteIds: string[]): Promise<void> {
    authorize(change.actor, SITE_PERMISSION, 'Changing sites');
    for (const id of siteIds)
      await lockForWrite(change.tx, 'Site', id, undefined, () => this.repo.find(id, change.tx));
    await this.repo.releaseHostnames(change.tx, siteIds);
  }

  /** Hostnames another site already serves are a conflict (409), not a field error. */
  private async claimHostnames(tx: Tx, hostnames: string[], siteId: string | undefined): Promise<void> {
    const taken = await this.repo.claimedHostnames(tx, hostnames, siteId);
    if (!taken.length) return;
    const list = taken.map((t) => `${t.hostname} (site ${t.site.name})`).join(', ');
    throw new AppError('HOSTNAME_TAKEN', `Hostnames already served by another site: ${list}`, {
      hostnames: taken.map((t) => ({ hostname: t.hostname, site: t.site.name })),
    });
  }

  /** The shared resolver over locked rows; every problem at once as one 400. */
  private async resolve(tx: Tx, input: SiteReferencesInput): Promise<Omit<SiteChildren, 'hostnames'>> {
    const kept = input.keptPolicyId;
    const { errors, ...children } = await resolveSiteReferences(
      input,
      this.repo.lookups(tx),
      kept ? () => this.repo.policyById(tx, kept) : undefined,
    );
    if (errors.length)
      throw new AppError(
        'VALIDATION_FAILED',
        errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      );
    return children;
  }
}

function notFound(id: string): never {
  throw AppError.notFound('Site', id);
}
