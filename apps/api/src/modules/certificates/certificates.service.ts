import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { SecretBox } from '../../common/secrets/secret-box.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { StateWriter } from '../desired-state/state-writer.js';
import { SitesService } from '../sites/sites.service.js';
import { AcmeGateway } from './acme/acme.gateway.js';
import { CertificateOrdersService } from './acme/certificate-orders.service.js';
import { toCertificateView } from './certificate.view.js';
import { uploadRejected } from './certificate-error.js';
import { inspectUpload, uncoveredHostnames } from './certificate-pem.js';
import { CertificatesRepository } from './certificates.repository.js';
import type { RevokeCertificate, UploadCertificate } from './dto/certificate.schema.js';

const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  superseded: 4,
  cessationOfOperation: 5,
} as const;

@Injectable()
export class CertificatesService {
  constructor(
    private readonly repo: CertificatesRepository,
    private readonly secrets: SecretBox,
    private readonly audit: AuditService,
    private readonly writer: StateWriter,
    private readonly sites: SitesService,
    private readonly gateway: AcmeGateway,
    private readonly orders: CertificateOrdersService,
  ) {}

  async list(q: { limit: number; offset: number }) {
    const { items, total } = await this.repo.page(q);
    return { items: items.map((c) => toCertificateView(c)), total, ...q };
  }

  async get(id: string) {
    const cert = await this.repo.find(id);
    if (!cert) throw AppError.notFound('Certificate', id);
    return toCertificateView(cert);
  }

  /** Checks the upload like a client would, then stores it (and attaches it to the site, if given). */
  async upload(dto: UploadCertificate, actor: Actor, now = new Date()) {
    const facts = inspectUpload(dto.chainPem, dto.keyPem, { now, caPem: dto.caPem });
    return this.repo.transaction(async (tx) => {
      const site = dto.siteId ? await this.repo.siteWithHostnames(tx, dto.siteId) : null;
      if (dto.siteId && !site) throw AppError.invalid('siteId', `no site ${dto.siteId}`);
      if (site) {
        const missing = uncoveredHostnames(
          facts.domains,
          site.hostnames.map((h) => h.hostname),
        );
        if (missing.length > 0) {
          throw uploadRejected(
            'HOSTNAMES_NOT_COVERED',
            `the certificate does not cover ${missing.join(', ')} of site ${site.name} (it names ${facts.domains.join(', ')})`,
            { missing, domains: facts.domains },
          );
        }
      }
      const created = await this.repo.createUploaded(tx, {
        domains: facts.domains,
        chainPem: facts.chainPem,
        keyEncrypted: this.secrets.seal(dto.keyPem),
        issuer: facts.issuer,
        serial: facts.serial,
        notBefore: facts.notBefore,
        notAfter: facts.notAfter,
      });
      const view = toCertificateView(created, now);
      await this.audit.record(tx, actor, {
        action: 'certificate.upload',
        targetType: 'certificate',
        targetId: created.id,
        after: view,
      });
      if (site) {
        await this.writer.runIn(tx, actor, (change) =>
          this.sites.attachCertificateIn(change, site.id, created.id, 'uploaded'),
        );
      }
      return view;
    });
  }

  /**
   * Revokes an ACME certificate at its CA (with the issuing account) and marks it revoked.
   * Sites keep serving it until a replacement is issued: order one right after.
   */
  async revoke(id: string, dto: RevokeCertificate, actor: Actor) {
    const found = await this.repo.withAccount(id);
    if (!found) throw AppError.notFound('Certificate', id);
    // The account (with its sealed key) is for talking to the CA, never part of a view.
    const { account, ...cert } = found;
    if (cert.status === 'revoked') return { ...toCertificateView(cert), replacements: [] };
    if (cert.source === 'acme') {
      if (!cert.chainPem || !account)
        throw new AppError('ACME_NOT_READY', `certificate ${id} was never issued`);
      const keys = {
        directoryUrl: account.directoryUrl,
        accountKeyPem: this.secrets.open(account.keyEncrypted),
        accountUrl: account.accountUrl,
      };
      try {
        await this.gateway.revoke(keys, cert.chainPem, REVOCATION_REASONS[dto.reason ?? 'unspecified']);
      } catch (error) {
        throw new AppError('ACME_FAILED', `the CA refused the revocation: ${(error as Error).message}`);
      }
    }
    const view = await this.repo.transaction(async (tx) => {
      const updated = await this.repo.markRevoked(tx, id);
      const after = toCertificateView(updated);
      await this.audit.record(tx, actor, {
        action: 'certificate.revoke',
        targetType: 'certificate',
        targetId: id,
        before: toCertificateView(cert),
        after: { ...after, reason: dto.reason ?? 'unspecified' },
      });
      return after;
    });
    const replace = dto.replace ?? dto.reason === 'keyCompromise';
    return {
      ...view,
      replacements: replace && cert.source === 'acme' ? await this.replace(cert, actor) : [],
    };
  }

  /**
   * New orders (new keys) for the ACME sites that used a revoked certificate. The sites keep
   * serving the revoked one until its replacement is issued and rolled out.
   */
  private async replace(cert: { id: string; accountId: string | null }, actor: Actor) {
    const sites = await this.repo.acmeSitesUsing(cert.id);
    const replacements: { siteId: string; orderId?: string; error?: string }[] = [];
    for (const site of sites) {
      try {
        const order = await this.orders.order(
          { siteId: site.id, accountId: cert.accountId ?? undefined },
          actor,
        );
        replacements.push({ siteId: site.id, orderId: order.id });
      } catch (error) {
        replacements.push({ siteId: site.id, error: (error as Error).message });
      }
    }
    return replacements;
  }
}
