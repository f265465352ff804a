import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type acme from 'acme-client';
import { SecretBox } from '../../../common/secrets/secret-box.js';
import { PrismaService } from '../../../database/prisma.service.js';
import { Prisma } from '../../../generated/prisma/client.js';
import type { OrderState } from '../../../generated/prisma/enums.js';
import { AgentConnector } from '../../agent-hosts/agent-connector.js';
import { AgentWebroot } from '../../agent-hosts/agent-webroot.js';
import { AuditService } from '../../audit/audit.service.js';
import { EventBus } from '../../events/event-bus.js';
import type { CertificateEvent } from '../../events/portico-event.js';
import { HealthReports } from '../../health/health-reports.js';
import { RevisionService } from '../../revisions/revision.service.js';
import { factsOf, splitPemChain } from '../certificate-pem.js';
import { CertificateRollout } from '../certificate-rollout.js';
import { challengeName } from '../dns/dns-provider.js';
import { DnsProviders } from '../dns/dns-providers.service.js';
import { SCHEDULER_ACTOR } from '../system-actor.js';
import { AcmeGateway } from './acme.gateway.js';
import { ariCertId, twoThirds } from './ari.js';
import { nextAttemptAt } from './backoff.js';

const LEASE_MS = 10 * 60_000;

/** A failure with the problem document to store (the CA's RFC 7807 body, or Portico's own). */
class OrderFailure extends Error {
  constructor(
    message: string,
    readonly problem: Record<string, unknown>,
  ) {
    super(message);
  }
}

type Step = { at: string; step: string; detail?: unknown };

/**
 * Works one certificate order to its end: pre-check (HTTP-01: a probe file written over SSH
 * must come back through every agent's own port 80 for every name, so a CA's failed-validation
 * allowance is never spent on an order that cannot succeed), order, challenges on every agent
 * serving the name (or in DNS), finalize, store, deploy. Exactly one instance works an order:
 * it is claimed by a conditional update (a lease), never by holding a transaction open.
 */
@Injectable()
export class OrderRunner {
  private readonly logger = new Logger('CertificateOrders');
  readonly instanceId = randomUUID();

  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: SecretBox,
    private readonly gateway: AcmeGateway,
    private readonly dns: DnsProviders,
    private readonly revisions: RevisionService,
    private readonly audit: AuditService,
    private readonly rollout: CertificateRollout,
    private readonly events: EventBus,
    private readonly connector: AgentConnector,
    private readonly health: HealthReports,
  ) {}

  /** Claims and works the order if it is due and nobody else has it; false when not claimed. */
  async run(orderId: string, now = new Date()): Promise<boolean> {
    const claimed = await this.prisma.certificateOrder.updateMany({
      where: {
        id: orderId,
        state: { in: ['queued', 'failed'] },
        OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }],
        AND: [{ OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] }],
      },
      data: {
        leaseOwner: this.instanceId,
        leaseUntil: new Date(now.getTime() + LEASE_MS),
        attempts: { increment: 1 },
        state: 'prechecking',
        nextAttemptAt: null,
      },
    });
    if (claimed.count === 0) return false;
    try {
      await this.work(orderId);
    } catch (error) {
      await this.fail(orderId, error);
    } finally {
      await this.prisma.certificateOrder.updateMany({
        where: { id: orderId, leaseOwner: this.instanceId },
        data: { leaseOwner: null, leaseUntil: null },
      });
    }
    return true;
  }

  private async work(orderId: string): Promise<void> {
    const order = await this.prisma.certificateOrder.findUniqueOrThrow({
      where: { id: orderId },
      include: {
        account: true,
        certificate: { include: { sites: { include: { placements: { include: { agent: true } } } } } },
      },
    });
    const agents = [
      ...new Map(
        order.certificate.sites.flatMap((s) => s.placements.map((p) => [p.agent.id, p.agent] as const)),
      ).values(),
    ];
    await this.step(orderId, 'start', {
      attempt: order.attempts,
      domains: order.domains,
      challenge: order.challengeType,
    });

    const webroots: AgentWebroot[] = [];
    const written: { webroot: AgentWebroot; token: string }[] = [];
    const published: { fqdn: string; value: string }[] = [];
    try {
      if (order.challengeType === 'http-01') {
        if (agents.length === 0) {
          throw new OrderFailure('no agent serves these names', {
            type: 'urn:portico:acme:precheck',
            detail: 'HTTP-01 needs at least one agent serving the site',
          });
        }
        for (const agent of agents) {
          try {
            webroots.push(await AgentWebroot.open(agent, this.connector));
          } catch (error) {
            throw new OrderFailure(`agent ${agent.name} is not reachable over SSH`, {
              type: 'urn:portico:acme:precheck',
              detail: (error as Error).message,
              agent: agent.name,
            });
          }
        }
        await this.precheck(orderId, order.domains, webroots);
      }

      const account = order.account;
      await this.gateway.ensureReachable(account.directoryUrl);
      const client = this.gateway.client({
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
          await this.prisma.certificateOrder.update({ where: { id: orderId }, data: { replaces } });
        }
      }
      let acmeOrder = await this.ca(
        () =>
          client.createOrder({
            identifiers: order.domains.map((value) => ({ type: 'dns', value })),
            ...(replaces ? { replaces } : {}),
          } as Parameters<acme.Client['createOrder']>[0]),
        'newOrder',
      );
      await this.prisma.certificateOrder.update({
        where: { id: orderId },
        data: { orderUrl: acmeOrder.url },
      });
      await this.step(orderId, 'ordered', { url: acmeOrder.url, status: acmeOrder.status });

      const authorizations = await this.ca(() => client.getAuthorizations(acmeOrder), 'authorizations');
      for (const authz of authorizations) {
        if (authz.status === 'valid') continue;
        const name = authz.identifier.value;
        const challenge = authz.challenges.find((c) => c.type === order.challengeType);
        if (!challenge) {
          throw new OrderFailure(`the CA offers no ${order.challengeType} challenge for ${name}`, {
            type: 'urn:portico:acme:challenge-unavailable',
            detail: `offered: ${authz.challenges.map((c) => c.type).join(', ')}`,
          });
        }
        const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
        if (order.challengeType === 'http-01') {
          for (const webroot of webroots) {
            await webroot.put(challenge.token, keyAuthorization);
            written.push({ webroot, token: challenge.token });
          }
          await this.step(orderId, 'challenge_written', { name, agents: webroots.map((w) => w.agent.name) });
        } else {
          const fqdn = challengeName(authz.wildcard ? `*.${name}` : name);
          const provider = await this.dns.providerFor(fqdn);
          await provider.present(fqdn, keyAuthorization);
          published.push({ fqdn, value: keyAuthorization });
          await this.step(orderId, 'challenge_published', { name, record: fqdn });
        }
        await this.ca(() => client.completeChallenge(challenge), 'challenge');
        try {
          await client.waitForValidStatus(authz);
        } catch (error) {
          throw await this.authorizationFailure(client, authz, error);
        }
        await this.step(orderId, 'authorized', { name });
      }

      await this.setState(orderId, 'finalizing');
      const { keyPem, csr } = await this.gateway.createCertificateKeyAndCsr(order.domains, order.keyType);
      acmeOrder = await this.ca(() => client.finalizeOrder(acmeOrder, csr), 'finalize');
      const chainPem = await this.ca(() => client.getCertificate(acmeOrder), 'certificate');
      await this.store(orderId, chainPem, keyPem);
    } finally {
      for (const { webroot, token } of written) await webroot.remove(token).catch(() => undefined);
      for (const { fqdn, value } of published) {
        await this.dns
          .providerFor(fqdn)
          .then((p) => p.cleanup(fqdn, value))
          .catch(() => undefined);
      }
      for (const webroot of webroots) webroot.close();
    }
    await this.deploy(orderId);
    // Valid once stored and handed to the deployment: watchers see the whole story by then.
    await this.prisma.certificateOrder.update({
      where: { id: orderId },
      data: { state: 'valid', finishedAt: new Date() },
    });
  }

  private async precheck(orderId: string, domains: string[], webroots: AgentWebroot[]): Promise<void> {
    const token = `portico-probe-${randomBytes(12).toString('base64url')}`;
    const content = randomBytes(24).toString('base64url');
    const problems: Record<string, unknown>[] = [];
    try {
      for (const webroot of webroots) await webroot.put(token, content);
      for (const webroot of webroots) {
        for (const name of domains) {
          const answer = await webroot.fetch(name, token);
          if ('error' in answer) problems.push({ agent: webroot.agent.name, name, error: answer.error });
          else if (answer.status !== 200 || answer.body.trim() !== content) {
            problems.push({ agent: webroot.agent.name, name, status: answer.status });
          }
        }
      }
    } finally {
      for (const webroot of webroots) await webroot.remove(token).catch(() => undefined);
    }
    if (problems.length > 0) {
      const first = problems[0]!;
      throw new OrderFailure(
        `pre-check failed: agent ${first.agent} does not serve the challenge path for ${first.name} on port 80 (is the site deployed?)`,
        {
          type: 'urn:portico:acme:precheck',
          detail:
            'a probe file written over SSH did not come back through the agent on port 80; no order was placed',
          failures: problems,
        },
      );
    }
    await this.step(orderId, 'prechecked', { agents: webroots.map((w) => w.agent.name), names: domains });
  }

  private async store(orderId: string, chainPem: string, keyPem: string): Promise<void> {
    const facts = factsOf(splitPemChain(chainPem));
    const now = new Date();
    const resolved = await this.prisma.$transaction(async (tx) => {
      const order = await tx.certificateOrder.findUniqueOrThrow({ where: { id: orderId } });
      const before = await tx.certificate.findUniqueOrThrow({ where: { id: order.certificateId } });
      const after = await tx.certificate.update({
        where: { id: order.certificateId },
        data: {
          chainPem: facts.chainPem,
          keyEncrypted: this.secrets.seal(keyPem),
          issuer: facts.issuer,
          serial: facts.serial,
          notBefore: facts.notBefore,
          notAfter: facts.notAfter,
          domains: facts.domains,
          status: 'valid',
          accountId: order.accountId,
          challengeType: order.challengeType,
          ariCertId: ariCertId(facts.chainPem),
          renewAfter: twoThirds(facts.notBefore, facts.notAfter),
          ariCheckAfter: null,
          lastRenewalError: null,
          lastRenewalAt: order.kind === 'renew' ? now : before.lastRenewalAt,
        },
      });
      await tx.certificateOrder.update({
        where: { id: orderId },
        data: {
          problem: Prisma.DbNull,
          steps: appendStep(order.steps, {
            at: now.toISOString(),
            step: 'stored',
            detail: { serial: facts.serial, notAfter: facts.notAfter.toISOString() },
          }),
        },
      });
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
      return resolved;
    });
    this.health.publish(resolved);
    this.logger.log({ orderId, serial: facts.serial }, 'certificate stored');
    const order = await this.prisma.certificateOrder.findUniqueOrThrow({ where: { id: orderId } });
    this.publish(
      order.kind === 'renew' ? 'certificate.renewed' : 'certificate.issued',
      order.certificateId,
      `serial ${facts.serial}`,
    );
  }

  private async deploy(orderId: string): Promise<void> {
    const order = await this.prisma.certificateOrder.findUniqueOrThrow({
      where: { id: orderId },
      include: { certificate: { include: { sites: { include: { placements: true } } } } },
    });
    const agentIds = [
      ...new Set(order.certificate.sites.flatMap((s) => s.placements.map((p) => p.agentId))),
    ].sort();
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
    const reported = await this.prisma.$transaction(async (tx) => {
      const order = await tx.certificateOrder.findUniqueOrThrow({
        where: { id: orderId },
        include: { certificate: true },
      });
      const retryAt = nextAttemptAt(order.attempts, now);
      await tx.certificateOrder.update({
        where: { id: orderId },
        data: {
          state: 'failed',
          problem: problem as Prisma.InputJsonValue,
          nextAttemptAt: retryAt,
          steps: appendStep(order.steps, {
            at: now.toISOString(),
            step: 'failed',
            detail: { message, nextAttemptAt: retryAt.toISOString() },
          }),
        },
      });
      const cert = order.certificate;
      if (order.kind === 'renew' && cert.notAfter) {
        // The current certificate stays deployed; the failure and the time left are visible.
        const daysLeft = Math.floor((cert.notAfter.getTime() - now.getTime()) / 86_400_000);
        const detail = { orderId, error: message, daysLeft, notAfter: cert.notAfter.toISOString() };
        await tx.certificate.update({
          where: { id: cert.id },
          data: { lastRenewalError: `${message} (${daysLeft} days left)` },
        });
        return this.health.report(tx, {
          ...renewalSubject(cert.id),
          status: daysLeft < 7 ? 'down' : 'degraded',
          message: `renewal failed: ${message} (${daysLeft} days left)`,
          detail,
        });
      }
      if (order.kind === 'issue' && cert.status === 'pending') {
        await tx.certificate.update({ where: { id: cert.id }, data: { lastRenewalError: message } });
      }
      return null;
    });
    this.health.publish(reported);
    this.logger.warn({ orderId, error: message }, 'certificate order failed');
    const order = await this.prisma.certificateOrder.findUnique({ where: { id: orderId } });
    if (order) this.publish('certificate.failed', order.certificateId, message);
  }

  private async authorizationFailure(client: acme.Client, authz: acme.Authorization, error: unknown) {
    try {
      const [fresh] = await client.getAuthorizations({ authorizations: [authz.url] } as acme.Order);
      const failed = fresh?.challenges.find((c) => (c as { error?: unknown }).error);
      const problem = (failed as { error?: Record<string, unknown> } | undefined)?.error;
      if (problem) {
        return new OrderFailure(
          `the CA could not validate ${authz.identifier.value}: ${problem.detail ?? problem.type}`,
          {
            ...problem,
            identifier: authz.identifier.value,
          },
        );
      }
    } catch {
      // fall through to the original error
    }
    return new OrderFailure(`validation of ${authz.identifier.value} failed`, {
      type: 'urn:portico:acme:validation',
      detail: (error as Error).message,
      identifier: authz.identifier.value,
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
    await this.prisma.certificateOrder.update({ where: { id: orderId }, data: { state } });
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
    const at = new Date().toISOString();
    this.logger.log({ orderId, step }, 'certificate order step');
    await this.prisma.$transaction(async (tx) => {
      const order = await tx.certificateOrder.findUniqueOrThrow({
        where: { id: orderId },
        select: { steps: true },
      });
      await tx.certificateOrder.update({
        where: { id: orderId },
        data: { steps: appendStep(order.steps, { at, step, detail }) },
      });
    });
  }
}

function appendStep(steps: Prisma.JsonValue, step: Step): Prisma.InputJsonValue {
  const list = Array.isArray(steps) ? steps : [];
  return [...list, JSON.parse(JSON.stringify(step))] as Prisma.InputJsonValue;
}

/** The health check a certificate's renewal reports as (failed renewals turn it red). */
function renewalSubject(certificateId: string) {
  return {
    checkKey: `certificate:${certificateId}:renewal`,
    subjectType: 'certificate' as const,
    subjectId: certificateId,
  };
}
