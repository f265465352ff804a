import { Injectable } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error.js';
import { versionConflict } from '../../../common/http/versioning.js';
import type { Tx } from '../../../database/prisma.service.js';
import { lockForWrite } from '../../../database/row-locks.js';
import { AuditService } from '../../audit/audit.service.js';
import { authorize } from '../../auth/authorize.js';
import type { Actor, Permission } from '../../auth/principal.js';
import type { StateChange } from '../../desired-state/state-change.js';
import { StateWriter } from '../../desired-state/state-writer.js';
import { directoryUrlOf } from '../acme/acme.gateway.js';
import {
  CERTIFICATE_POLICY_DEFAULTS,
  type CreateCertificatePolicy,
  type UpdateCertificatePolicy,
} from '../dto/certificate-policy.schema.js';
import { CertificatePoliciesRepository } from './certificate-policies.repository.js';
import { toPolicyView } from './certificate-policy.view.js';

/**
 * Certificate policies: how ACME sites get certificates (which CA account, which challenge,
 * which key type, whether Portico orders by itself). Sites name one; orders and renewals follow
 * it. A policy in use cannot be deleted.
 */
export const CERTIFICATE_POLICY_PERMISSION: Permission = 'write';

@Injectable()
export class CertificatePolicies {
  constructor(
    private readonly repo: CertificatePoliciesRepository,
    private readonly writer: StateWriter,
    private readonly audit: AuditService,
  ) {}

  async list() {
    const rows = await this.repo.list();
    return { items: rows.map(toPolicyView), total: rows.length };
  }

  async get(id: string) {
    const row = await this.repo.find(id);
    if (!row) throw AppError.notFound('Certificate policy', id);
    return toPolicyView(row);
  }

  create(dto: CreateCertificatePolicy, actor: Actor) {
    return this.writer.run(actor, (change) => this.createIn(change, dto));
  }

  update(id: string, dto: UpdateCertificatePolicy, expected: number | undefined, actor: Actor) {
    return this.writer.run(actor, (change) => this.updateIn(change, id, dto, expected));
  }

  async remove(id: string, expected: number | undefined, actor: Actor): Promise<void> {
    await this.writer.run(actor, (change) => this.removeIn(change, id, expected));
  }

  async idByName(change: StateChange, name: string): Promise<string | null> {
    return this.repo.idByName(change.tx, name);
  }

  async createIn(change: StateChange, dto: CreateCertificatePolicy) {
    authorize(change.actor, CERTIFICATE_POLICY_PERMISSION, 'Changing certificate policies');
    const { tx } = change;
    await this.assertNameFree(tx, dto.name);
    const { directory, ...fields } = { ...CERTIFICATE_POLICY_DEFAULTS, ...dto };
    const row = await this.repo.create(tx, { ...fields, accountId: await this.accountIdFor(tx, directory) });
    const view = toPolicyView(row);
    change.touch('certificatePolicy', view.name);
    await this.audit.record(tx, change.actor, {
      action: 'certificate-policy.create',
      targetType: 'certificate-policy',
      targetId: row.id,
      after: view,
    });
    return view;
  }

  async updateIn(
    change: StateChange,
    id: string,
    dto: UpdateCertificatePolicy,
    expected: number | undefined,
  ) {
    authorize(change.actor, CERTIFICATE_POLICY_PERMISSION, 'Changing certificate policies');
    const { tx } = change;
    const row = await lockForWrite(tx, 'CertificatePolicy', id, expected, () => this.repo.find(id, tx));
    if (dto.name && dto.name !== row.name) await this.assertNameFree(tx, dto.name);
    const { directory, version: _v, ...fields } = dto;
    const accountId = directory === undefined ? undefined : await this.accountIdFor(tx, directory);
    if (fields.challenge === 'http-01') await this.assertNoWildcardSite(tx, id);
    const updated = await this.repo.updateAtVersion(tx, id, row.version, {
      ...fields,
      ...(accountId ? { accountId } : {}),
    });
    if (!updated) throw versionConflict('Certificate policy', id, row.version, row.version + 1);
    const after = toPolicyView(updated);
    change.touch('certificatePolicy', row.name, after.name);
    await this.audit.record(tx, change.actor, {
      action: 'certificate-policy.update',
      targetType: 'certificate-policy',
      targetId: id,
      before: toPolicyView(row),
      after,
    });
    return after;
  }

  async removeIn(change: StateChange, id: string, expected: number | undefined): Promise<void> {
    authorize(change.actor, CERTIFICATE_POLICY_PERMISSION, 'Changing certificate policies');
    const { tx } = change;
    const row = await lockForWrite(tx, 'CertificatePolicy', id, expected, () => this.repo.find(id, tx));
    if (row.sites.length) {
      throw new AppError(
        'IN_USE',
        `certificate policy ${row.name} is used by sites: ${row.sites.map((s) => s.name).join(', ')}`,
        { sites: row.sites.map((s) => s.name) },
      );
    }
    await this.repo.delete(tx, id);
    change.touch('certificatePolicy', row.name);
    await this.audit.record(tx, change.actor, {
      action: 'certificate-policy.delete',
      targetType: 'certificate-policy',
      targetId: id,
      before: toPolicyView(row),
    });
  }

  /** The ACME account of a directory (preset or URL), share-locked; a field error when none exists. */
  private async accountIdFor(tx: Tx, directory: string, field = 'directory'): Promise<string> {
    const url = directoryUrlOf(directory);
    const id = await this.repo.accountIdOf(tx, url);
    if (!id) {
      throw AppError.invalid(
        field,
        `no ACME account for ${url}: create one first (POST /api/v1/acme-accounts)`,
      );
    }
    return id;
  }

  private async assertNameFree(tx: Tx, name: string): Promise<void> {
    if (await this.repo.idByName(tx, name)) {
      throw new AppError('NAME_TAKEN', `A certificate policy named ${name} already exists`, [
        { field: 'name', message: 'is already used' },
      ]);
    }
  }

  /** Switching to http-01 would strand ACME sites with wildcard names (only dns-01 proves those). */
  private async assertNoWildcardSite(tx: Tx, id: string): Promise<void> {
    const site = await this.repo.wildcardSite(tx, id);
    if (site) {
      throw AppError.invalid(
        'challenge',
        `site ${site.name} has wildcard names, which only dns-01 can validate`,
      );
    }
  }
}
