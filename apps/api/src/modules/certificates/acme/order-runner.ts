import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { SecretBox } from '../../../common/secrets/secret-box.js';
import type { OrderState } from '../../../generated/prisma/enums.js';
import { AuditService } from '../../audit/audit.service.js';
import { EventBus } from '../../events/event-bus.js';
import type { CertificateEvent } from '../../events/portico-event.js';
import { HealthReports } from '../../health/health-reports.js';
import { RevisionService } from '../../revisions/revision.service.js';
import { factsOf, splitPemChain } from '../certificate-pem.js';
import { CertificateRollout } from '../certificate-rollout.js';
import { SCHEDULER_ACTOR } from '../system-actor.js';
import { AcmeGateway, type AcmeSession, type CaAuthorization } from './acme.gateway.js';
import { ariCertId, twoThirds } from './ari.js';
import { nextAttemptAt } from './backoff.js';
import { CertificateOrdersRepository } from './certificate-orders.repository.js';
import type { ChallengeSolver } from './challenge-solver.js';
import { ChallengeSolvers } from './challenge-solvers.js';
import { OrderFailure } from './order-failure.js';

const LEASE_MS = 10 * 60_000;

/**
 * Works one certificate order to its end: the solver's pre-check (HTTP-01: a probe file must
 * come back through every agent's own port 80 for every name, so a CA's failed-validation
 * allowance is never spent on an order that cannot succeed), order, each name's challenge
 * presented by the solver, finalize, store, deploy. The CA is reached only through the
 * gateway's AcmeSession, the proof of control only through a ChallengeSolver. Exactly one
 * instance works an order: it is claimed by a conditional update (a lease), never by holding a
 * transaction open.
 */
@Injectable()
export class OrderRunner {
  private readonly logger = new Logger('CertificateOrders');
  readonly instanceId = randomUUID();

  constructor(
    private readonly repo: CertificateOrdersRepository,
    private readonly secrets: SecretBox,
    private readonly gateway: AcmeGateway,
    private readonly solvers: ChallengeSolvers,
    private readonly revisions: RevisionService,
    private readonly audit: AuditService,
    private readonly rollout: CertificateRollout,
    private readonly events: EventBus,
    private readonly health: HealthReports,
  ) {}

  /** Claims and works the order if it is due and nobody else has it; false when not claimed. */
  async run(orderId: string, now = new Date()): Promise<boolean> {
    if (!(await this.repo.claim(orderId, this.instanceId, now, LEASE_MS))) return false;
    try {
      await this.work(orderId);
    } catch (error) {
      await this.fail(orderId, error);
    } finally {
      await this.repo.release(orderId, this.instanceId);
    }
    return true;
  }

  private async work(orderId: string): Promise<void> {
    const order = await this.repo.forWork(orderId);
    await this.step(orderId, 'start', {
      attempt: order.attempts,
      domains: order.domains,
      challenge: order.challengeType,
    });
    const solver = this.solvers.for(order.challengeType, order.agents);
    try {
      const prepared = await solver.prepare(order.domains);
      if (prepared) await this.step(orderId, prepared.step, prepared.detail);

      const { account } = order;
      await this.gateway.ensureReachable(account.directoryUrl);
      const ca = this.gateway.session({
        directoryUrl: account.directoryUrl,
        accountKeyPem: this.secrets.open(account.keyEncrypted),
        accountUrl: account.accountUrl,
      });
      await this.setState(orderId, 'validating');
      // RFC 9773 §5: a renewal names the certificate it replaces when the CA speaks ARI.
      let replaces = order.replaces;
      if (order.kind === 'renew' && !replaces && order.certificate.ariCertId) {
        if (await this.gateway.renewalInfoUrl(account.directoryUrl).catch(() => null)) {
          replaces = order.certificate.ariCertId;
          await this.repo.setReplaces(orderId, replaces);
        }
      }
      let caOrder = await this.ca(() => ca.placeOrder(order.domains, replaces), 'newOrder');
      await this.repo.setOrderUrl(orderId, caOrder.url);
      await this.step(orderId, 'ordered', { url: caOrder.url, status: caOrder.status });

      const authorizations = await this.ca(() => ca.authorizations(caOrder), 'authorizations');
      for (const authz of authorizations) {
        if (authz.status !== 'valid') await this.authorize(orderId, ca, authz, solver);
      }

      await this.setState(orderId, 'finalizing');
      const { keyPem, csr } = await this.gateway.createCertificateKeyAndCsr(order.domains, order.keyType);
      caOrder = await this.ca(() => ca.finalize(caOrder, csr), 'finalize');
      const chainPem = await this.ca(() => ca.certificate(caOrder), 'certificate');
      await this.store(orderId, chainPem, keyPem);
    } finally {
      await solver.cleanup();
    }
    await this.deploy(orderId);
    // Valid once stored and handed to the deployment: watchers see the whole story by then.
    await this.repo.markValid(orderId);
  }

  /** One name: the solver presents the answer, the CA checks it. */
  private async authorize(
    orderId: string,
    ca: AcmeSession,
    authz: CaAuthorization,
    solver: ChallengeSolver,
  ): Promise<void> {
    const challenge = await ca.challenge(authz, solver.type);
    if (!challenge) {
      throw new OrderFailure(`the CA offers no ${solver.type} challenge for ${authz.name}`, {
        type: 'urn:portico:acme:challenge-unavailable',
        detail: `offered: ${authz.offered.join(', ')}`,
      });
    }
    const presented = await solver.present(authz, challenge.token, challenge.keyAuthorization);
    await this.step(orderId, presented.step, presented.detail);
    await this.ca(() => ca.answer(challenge), 'challenge');
    try {
      await ca.waitForValid(authz);
    } catch (error) {
      throw await this.authorizationFailure(ca, authz, error);
    }
    await this.step(orderId, 'authorized', { name: authz.name });
  }

  private async store(orderId: string, chainPem: string, keyPem: string): Promise<void> {
    const facts = factsOf(splitPemChain(chainPem));
    const now = new Date();
    const { order, resolved } = await this.repo.transaction(async (tx) => {
      const { order, before, after } = await this.repo.storeIssued(
        tx,
        orderId,
        {
          chainPem: facts.chainPem,
          keyEncrypted: this.secrets.seal(keyPem),
          issuer: facts.issuer,
          serial: facts.serial,
          notBefore: facts.notBefore,
          notAfter: facts.notAfter,
          domains: facts.domains,
          ariCertId: ariCertId(facts.chainPem),
          renewAfter: twoThirds(facts.notBefore, facts.notAfter),
        },
        {
          at: now.toISOString(),
          step: 'stored',
          detail: { serial: facts.serial, notAfter: facts.notAfter.toISOString() },
        },
      );
      const resolved = await this.health.resolve(tx, {
        ...renewalSubject(order.certificateId),
        message: `renewed: serial ${facts.serial}`,
        detail: { orderId, notAfter: facts.notAfter.toISOString() },
      });
      await this.revisions.bump(tx);
      await this.audit.record(tx, SCHEDULER_ACTOR, {
        action: order.kind === 'renew' ? 'certificate.renew' : 'certificate.issue',
        targetType: 'certificate',
        targetId: order.certificateId,
        before: { serial: before.serial, notAfter: before.notAfter },
        after: { serial: after.serial, notAfter: after.notAfter, orderId },
      });
      return { order, resolved };
    });
    this.health.publish(resolved);
    this.logger.log({ orderId, serial: facts.serial }, 'certificate stored');
    this.publish(
      order.kind === 'renew' ? 'certificate.renewed' : 'certificate.issued',
      order.certificateId,
      `serial ${facts.serial}`,
    );
  }

  private async deploy(orderId: string): Promise<void> {
    const { order, agentIds } = await this.repo.agentIdsFor(orderId);
    try {
      const result = await this.rollout.deploy({
        certificateId: order.certificateId,
        agentIds,
        reason: order.kind === 'renew' ? 'certificate renewed' : 'certificate issued',
      });
      await this.step(orderId, 'deploy', { agentIds, ...result });
    } catch (error) {
      // The certificate is stored and the revision bumped: the next deployment ships it anyway.
      await this.step(orderId, 'deploy', { agentIds, status: 'failed', detail: (error as Error).message });
    }
  }

  private async fail(orderId: string, error: unknown): Promise<void> {
    const problem =
      error instanceof OrderFailure
        ? error.problem
        : { type: 'urn:portico:acme:error', detail: (error as Error)?.message ?? String(error) };
    const message = error instanceof OrderFailure ? error.message : String(problem.detail);
    const now = new Date();
    const reported = await this.repo.transaction(async (tx) => {
      const order = await this.repo.withCertificate(tx, orderId);
      const retryAt = nextAttemptAt(order.attempts, now);
      await this.repo.markFailed(tx, order, problem, retryAt, {
        at: now.toISOString(),
        step: 'failed',
        detail: { message, nextAttemptAt: retryAt.toISOString() },
      });
      const cert = order.certificate;
      if (order.kind === 'renew' && cert.notAfter) {
        // The current certificate stays deployed; the failure and the time left are visible.
        const daysLeft = Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000);
        const detail = { orderId, error: message, daysLeft, notAfter: cert.notAfter.toISOString() };
        await this.repo.setRenewalError(tx, cert.id, `${message} (${daysLeft} days left)`);
        return this.health.report(tx, {
          ...renewalSubject(cert.id),
          status: daysLeft < 7 ? 'down' : 'degraded',
          message: `renewal failed: ${message} (${daysLeft} days left)`,
          detail,
        });
      }
      if (order.kind === 'issue' && cert.status === 'pending') {
        await this.repo.setRenewalError(tx, cert.id, message);
      }
      return null;
    });
    this.health.publish(reported);
    this.logger.warn({ orderId, error: message }, 'certificate order failed');
    const order = await this.repo.find(orderId);
    if (order) this.publish('certificate.failed', order.certificateId, message);
  }

  private async authorizationFailure(ca: AcmeSession, authz: CaAuthorization, error: unknown) {
    const problem = await ca.problemOf(authz).catch(() => null);
    if (problem) {
      return new OrderFailure(`the CA could not validate ${authz.name}: ${problem.detail ?? problem.type}`, {
        ...problem,
        identifier: authz.name,
      });
    }
    return new OrderFailure(`validation of ${authz.name} failed`, {
      type: 'urn:portico:acme:validation',
      detail: (error as Error).message,
      identifier: authz.name,
    });
  }

  /** Runs one CA request; acme-client's errors carry the problem detail in their message. */
  private async ca<T>(fn: () => Promise<T>, what: string): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof OrderFailure) throw error;
      throw new OrderFailure(`the CA refused ${what}: ${(error as Error).message}`, {
        type: 'urn:portico:acme:ca-error',
        detail: (error as Error).message,
        request: what,
      });
    }
  }

  private async setState(orderId: string, state: OrderState): Promise<void> {
    await this.repo.setState(orderId, state);
    await this.step(orderId, state);
  }

  private publish(type: CertificateEvent['type'], certificateId: string, message: string): void {
    this.events.publish({
      type,
      at: new Date().toISOString(),
      topics: ['fleet', `certificate:${certificateId}`],
      certificateId,
      message,
    });
  }

  private async step(orderId: string, step: string, detail?: unknown): Promise<void> {
    this.logger.log({ orderId, step }, 'certificate order step');
    await this.repo.appendStep(orderId, { at: new Date().toISOString(), step, detail });
  }
}

/** The health check a certificate's renewal reports as (failed renewals turn it red). */
function renewalSubject(certificateId: string) {
  return {
    checkKey: `certificate:${certificateId}:renewal`,
    subjectType: 'certificate' as const,
    subjectId: certificateId,
  };
}
