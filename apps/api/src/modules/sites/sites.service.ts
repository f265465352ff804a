import { Injectable } from '@nestjs/common';
import { AppError, FieldError } from '../../common/errors/app-error.js';
import { versionConflict } from '../../common/http/versioning.js';
import type { Tx } from '../../database/prisma.service.js';
import { lockForWrite, lockNamed } from '../../database/row-locks.js';
import { AuditService } from '../audit/audit.service.js';
import { authorize } from '../auth/authorize.js';
import type { Actor, Permission } from '../auth/principal.js';
import type { StateChange } from '../desired-state/state-change.js';
import { StateWriter } from '../desired-state/state-writer.js';
import type { CreateSite, UpdateSite } from './dto/site.schema.js';
import { SITE_DEFAULTS } from './dto/site.schema.js';
import { policyProblem } from './policy-problem.js';
import { SiteView, toSiteView } from './site.view.js';
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
    const children = await this.resolveChildren(tx, site, undefined);
    await this.checkTls(tx, site.tlsMode, site.certificateId);
    await checkPolicyCovers(tx, site.tlsMode, site.hostnames, children.certificatePolicyId);
    const { routes: _r, agents: _a, hostnames: _h, certificatePolicy: _p, ...fields } = site;
    const created = toSiteView(await this.repo.create(tx, fields, children as Required<SiteChildren>));
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
    const children = await this.resolveChildren(tx, dto, id);
    await this.checkTls(
      tx,
      dto.tlsMode ?? row.tlsMode,
      dto.certificateId === undefined ? row.certificateId : dto.certificateId,
    );
    await checkPolicyCovers(
      tx,
      dto.tlsMode ?? row.tlsMode,
      dto.hostnames ?? row.hostnames.map((h) => h.hostname),
      children.certificatePolicyId === undefined ? row.certificatePolicyId : children.certificatePolicyId,
    );
    const { routes: _r, agents: _a, hostnames: _h, certificatePolicy: _p, version: _v, ...fields } = dto;
    const updated = await this.repo.updateAtVersion(tx, id, row.version, fields, children);
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
    await this.checkTls(tx, tlsMode ?? row.tlsMode, certificateId);
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

  /** Turns names into ids and claims hostnames; every unknown reference is reported at once. */
  private async resolveChildren(
    tx: Tx,
    dto: Pick<UpdateSite, 'hostnames' | 'routes' | 'agents' | 'certificatePolicy'>,
    siteId: string | undefined,
  ): Promise<SiteChildren> {
    const errors: FieldError[] = [];
    const children: SiteChildren = {};
    if (dto.hostnames) {
      const taken = await this.repo.claimedHostnames(tx, dto.hostnames, siteId);
      if (taken.length) {
        const list = taken.map((t) => `${t.hostname} (site ${t.site.name})`).join(', ');
        throw new AppError('HOSTNAME_TAKEN', `Hostnames already served by another site: ${list}`, {
          hostnames: taken.map((t) => ({ hostname: t.hostname, site: t.site.name })),
        });
      }
      children.hostnames = dto.hostnames;
    }
    if (dto.routes) {
      // Share-locked: an upstream being deleted right now is either kept (the delete then sees
      // this route) or already gone (reported here), never deleted under the new route.
      const found = await lockNamed(tx, 'Upstream', [...new Set(dto.routes.map((r) => r.upstream))]);
      children.routes = dto.routes.map((r, i) => {
        const upstreamId = found.get(r.upstream);
        if (!upstreamId)
          errors.push({ field: `routes.${i}.upstream`, message: `no upstream named ${r.upstream}` });
        return { pathPrefix: r.pathPrefix, upstreamId: upstreamId ?? '', streaming: r.streaming ?? false };
      });
    }
    if (dto.agents) {
      const found = await lockNamed(tx, 'Agent', dto.agents);
      children.agentIds = dto.agents.map((name, i) => {
        const agentId = found.get(name);
        if (!agentId) errors.push({ field: `agents.${i}`, message: `no agent named ${name}` });
        return agentId ?? '';
      });
    }
    if (dto.certificatePolicy === null) children.certificatePolicyId = null;
    else if (dto.certificatePolicy !== undefined) {
      const found = await lockNamed(tx, 'CertificatePolicy', [dto.certificatePolicy]);
      children.certificatePolicyId = found.get(dto.certificatePolicy) ?? null;
      if (!children.certificatePolicyId)
        errors.push({
          field: 'certificatePolicy',
          message: `no certificate policy named ${dto.certificatePolicy}`,
        });
    }
    if (errors.length)
      throw new AppError(
        'VALIDATION_FAILED',
        errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      );
    return children;
  }

  private async checkTls(tx: Tx, tlsMode: string, certificateId: string | null | undefined): Promise<void> {
    if (tlsMode === 'uploaded' && !certificateId) {
      throw AppError.invalid('certificateId', 'is required when tlsMode is uploaded');
    }
    if (
      certificateId &&
      !(await tx.certificate.findUnique({ where: { id: certificateId }, select: { id: true } }))
    ) {
      throw AppError.invalid('certificateId', `no certificate ${certificateId}`);
    }
  }
}

async function checkPolicyCovers(
  tx: Tx,
  tlsMode: string,
  hostnames: string[],
  policyId: string | null | undefined,
): Promise<void> {
  const policy = policyId ? await tx.certificatePolicy.findUnique({ where: { id: policyId } }) : null;
  const problem = policyProblem(tlsMode, hostnames, policy);
  if (problem) throw AppError.invalid('certificatePolicy', problem);
}

function notFound(id: string): never {
  throw AppError.notFound('Site', id);
}
