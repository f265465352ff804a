import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import { AuditService } from '../../audit/audit.service.js';
import { SCHEDULER_ACTOR } from '../system-actor.js';
import { AcmeGateway } from './acme.gateway.js';
import { renewalTime } from './ari.js';
import { CertificateOrdersRepository } from './certificate-orders.repository.js';
import { CertificateOrdersService } from './certificate-orders.service.js';
import { OrderRunner } from './order-runner.js';

/** Any fixed number: every instance takes the same Postgres advisory lock to plan renewals. */
const RENEWAL_LOCK = 0x706f7274; // "port"

export interface TickReport {
  ariChecked: string[];
  ordersCreated: string[];
  /** First orders for sites whose certificate policy issues by itself. */
  issued: string[];
  ordersRun: string[];
}

/**
 * Renews ACME certificates exactly once however many API instances run:
 *  1. ARI: for certificates whose Retry-After has passed, ask the CA's renewalInfo and move
 *     renewAfter into the suggested window (harmless if two instances ask at once);
 *  2. under a transaction-scoped advisory lock, create a renewal order for each certificate
 *     whose renewAfter has come and that has no open order (one instance plans at a time);
 *  3. first issuance for placed ACME sites with no certificate whose policy has autoIssue
 *     (CertificateOrdersService locks the site row, so two instances order once);
 *  4. run due orders (queued, or failed and past nextAttemptAt); OrderRunner's lease makes sure
 *     exactly one instance works each.
 * Renewals follow the site's certificate policy as it is now (account, challenge, key type).
 * Without ARI, renewAfter stays at two thirds of the lifetime, set when the certificate was stored.
 */
@Injectable()
export class RenewalScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RenewalScheduler');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly repo: CertificateOrdersRepository,
    private readonly gateway: AcmeGateway,
    private readonly runner: OrderRunner,
    private readonly orders: CertificateOrdersService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (process.env.PORTICO_RENEWAL_SCHEDULER === 'off') return;
    this.timer = setInterval(() => void this.safeTick(), this.config.certSchedulerIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async safeTick(): Promise<void> {
    if (this.running) return;
    this.running = this.tick().catch((error: unknown) =>
      this.logger.error({ error: (error as Error).message }, 'renewal tick failed'),
    );
    await this.running;
    this.running = null;
  }

  async tick(now = new Date()): Promise<TickReport> {
    const ariChecked = await this.refreshAri(now);
    const ordersCreated = await this.planRenewals(now);
    const issued = await this.autoIssue();
    const due = await this.repo.due(now, 20);
    const ordersRun: string[] = [];
    for (const order of due) if (await this.runner.run(order.id, now)) ordersRun.push(order.id);
    return { ariChecked, ordersCreated, issued, ordersRun };
  }

  private async refreshAri(now: Date): Promise<string[]> {
    const certs = await this.repo.ariDue(now);
    const checked: string[] = [];
    for (const cert of certs) {
      if (!cert.account || !cert.ariCertId) continue;
      try {
        const info = await this.gateway.renewalInfo(cert.account.directoryUrl, cert.ariCertId, now);
        if (!info) {
          // No ARI at this CA: two thirds of the lifetime it is; ask again in a day.
          await this.repo.setRenewalSchedule(cert.id, {
            ariCheckAfter: new Date(now.getTime() + 86_400_000),
          });
          continue;
        }
        // Keep an already chosen moment while it still lies inside the (unchanged) window.
        const { start, end } = info.suggestedWindow;
        const keep = cert.renewAfter && cert.renewAfter >= start && cert.renewAfter <= end && end > now;
        await this.repo.setRenewalSchedule(cert.id, {
          renewAfter: keep ? cert.renewAfter : renewalTime(info, now),
          ariCheckAfter: info.retryAfter,
        });
        checked.push(cert.id);
      } catch (error) {
        this.logger.warn({ certificateId: cert.id, error: (error as Error).message }, 'renewalInfo failed');
      }
    }
    return checked;
  }

  /** Orders the first certificate of each placed ACME site whose policy says to; the orders run in the background. */
  private async autoIssue(): Promise<string[]> {
    const sites = await this.repo.sitesToAutoIssue();
    const started: string[] = [];
    for (const site of sites) {
      try {
        started.push((await this.orders.order({ siteId: site.id }, SCHEDULER_ACTOR)).id);
      } catch (error) {
        // Another instance got there first, or the site cannot be ordered for yet (no DNS
        // provider for a dns-01 name…): said in the log, tried again next tick.
        this.logger.warn(
          { siteId: site.id, site: site.name, error: (error as Error).message },
          'auto-issue skipped',
        );
      }
    }
    return started;
  }

  private async planRenewals(now: Date): Promise<string[]> {
    return this.repo.transaction(async (tx) => {
      if (!(await this.repo.tryLock(tx, RENEWAL_LOCK))) return [];
      const due = await this.repo.dueRenewals(tx, now);
      const created: string[] = [];
      for (const cert of due) {
        const policy = cert.sites.find((s) => s.certificatePolicy)?.certificatePolicy;
        const accountId = policy?.accountId ?? cert.accountId;
        if (!accountId) continue;
        const order = await this.repo.create(tx, {
          certificateId: cert.id,
          accountId,
          kind: 'renew',
          challengeType: policy?.challenge ?? cert.challengeType ?? 'http-01',
          keyType: policy?.keyType ?? 'ecdsa-p256',
          domains: cert.domains,
          steps: [
            { at: now.toISOString(), step: 'queued', detail: { renewAfter: cert.renewAfter?.toISOString() } },
          ],
        });
        await this.audit.record(tx, SCHEDULER_ACTOR, {
          action: 'certificate.renewal-scheduled',
          targetType: 'certificate',
          targetId: cert.id,
          after: { orderId: order.id, renewAfter: cert.renewAfter },
        });
        created.push(order.id);
      }
      return created;
    });
  }
}
