import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error.js';
import { AuditService } from '../../audit/audit.service.js';
import type { Actor } from '../../auth/principal.js';
import { StateWriter } from '../../desired-state/state-writer.js';
import { SitesService } from '../../sites/sites.service.js';
import { toOrderView } from '../certificate.view.js';
import { DnsProviders } from '../dns/dns-providers.service.js';
import type { OrderCertificate } from '../dto/certificate.schema.js';
import { CertificateOrdersRepository } from './certificate-orders.repository.js';
import { OrderRunner } from './order-runner.js';

@Injectable()
export class CertificateOrdersService {
  private readonly logger = new Logger('CertificateOrders');

  constructor(
    private readonly repo: CertificateOrdersRepository,
    private readonly runner: OrderRunner,
    private readonly dns: DnsProviders,
    private readonly audit: AuditService,
    private readonly writer: StateWriter,
    private readonly sites: SitesService,
  ) {}

  async list(q: { limit: number; offset: number; certificateId?: string }) {
    const { items, total } = await this.repo.page(q);
    return { items: items.map(toOrderView), total, limit: q.limit, offset: q.offset };
  }

  async get(id: string) {
    const order = await this.repo.find(id);
    if (!order) throw AppError.notFound('Certificate order', id);
    return toOrderView(order);
  }

  /**
   * Starts issuance for an ACME site: the site gets a pending certificate (served on port 80
   * only until issued) or keeps its current one until the new one replaces it, and the order
   * is worked in the background. Everything that makes an order hopeless is refused here.
   */
  async order(dto: OrderCertificate, actor: Actor) {
    const site = await this.repo.siteForOrder(dto.siteId);
    if (!site) throw AppError.notFound('Site', dto.siteId);
    if (site.tlsMode !== 'acme') {
      throw new AppError(
        'ACME_NOT_READY',
        `site ${site.name} has tlsMode ${site.tlsMode}; set it to acme first`,
      );
    }
    const domains = site.hostnames.map((h) => h.hostname);
    // What the request says, else the site's certificate policy, else the defaults.
    const policy = site.certificatePolicy;
    const accountId = dto.accountId ?? policy?.accountId;
    const account = accountId ? await this.repo.account(accountId) : await this.only();
    if (!account) throw AppError.invalid('accountId', `no ACME account ${dto.accountId}`);
    const wildcards = domains.filter((d) => d.startsWith('*.'));
    const challengeType = dto.challenge ?? policy?.challenge ?? (wildcards.length > 0 ? 'dns-01' : 'http-01');
    const keyType = policy?.keyType ?? 'ecdsa-p256';
    if (challengeType === 'http-01' && wildcards.length > 0) {
      throw new AppError(
        'DNS01_REQUIRED',
        `wildcard names (${wildcards.join(', ')}) can only be validated with dns-01`,
      );
    }
    if (challengeType === 'dns-01') {
      const uncovered = [];
      for (const d of domains) if (!(await this.dns.find(d.replace(/^\*\./, '')))) uncovered.push(d);
      if (uncovered.length > 0) {
        throw new AppError(
          'DNS01_REQUIRED',
          `${uncovered.join(', ')} need${uncovered.length === 1 ? 's' : ''} dns-01, but no DNS provider is configured for ${uncovered.length === 1 ? 'its' : 'their'} zone: add one (POST /api/v1/dns-providers)`,
          { names: uncovered },
        );
      }
    } else if (site.placements.length === 0) {
      throw new AppError(
        'ACME_NOT_READY',
        `site ${site.name} is not placed on any agent: HTTP-01 has nowhere to answer`,
      );
    }

    const order = await this.repo.transaction(async (tx) => {
      // Two callers ordering for one site at once (a person and the scheduler, or two
      // instances) queue here; the second sees the first's certificate and stops.
      if ((await this.repo.lockSiteCertificate(tx, site.id)) !== site.certificateId) {
        throw new AppError('ORDER_IN_PROGRESS', `site ${site.name} got a certificate order meanwhile`, {
          siteId: site.id,
        });
      }
      const reuse =
        site.certificate?.source === 'acme' && site.certificate.status !== 'revoked'
          ? site.certificate
          : null;
      if (reuse) {
        const open = await this.repo.openOrderFor(tx, reuse.id);
        if (open) {
          throw new AppError('ORDER_IN_PROGRESS', `order ${open.id} for this certificate is ${open.state}`, {
            orderId: open.id,
          });
        }
      }
      const certificate =
        reuse ??
        (await this.repo.createPendingCertificate(tx, { domains, accountId: account.id, challengeType }));
      if (!reuse) {
        await this.writer.runIn(tx, actor, (change) =>
          this.sites.attachCertificateIn(change, site.id, certificate.id),
        );
      }
      const created = await this.repo.create(tx, {
        certificateId: certificate.id,
        accountId: account.id,
        kind: reuse?.chainPem ? 'renew' : 'issue',
        challengeType,
        keyType,
        domains,
        steps: [{ at: new Date().toISOString(), step: 'queued', detail: { siteId: site.id } }],
      });
      await this.audit.record(tx, actor, {
        action: 'certificate.order',
        targetType: 'certificate',
        targetId: certificate.id,
        after: { orderId: created.id, siteId: site.id, domains, challengeType },
      });
      return created;
    });
    this.start(order.id);
    return toOrderView(order);
  }

  /** Works the order in the background; its row tells the outcome. */
  start(orderId: string): void {
    this.runner.run(orderId).catch((error: unknown) => {
      this.logger.error({ orderId, error: (error as Error).message }, 'order runner crashed');
    });
  }

  private async only() {
    const accounts = await this.repo.accounts(2);
    if (accounts.length === 0) {
      throw new AppError('ACME_NOT_READY', 'no ACME account exists: create one (POST /api/v1/acme-accounts)');
    }
    if (accounts.length > 1)
      throw AppError.invalid('accountId', 'is required when several ACME accounts exist');
    return accounts[0]!;
  }
}
