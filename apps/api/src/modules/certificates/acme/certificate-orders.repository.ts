import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../../database/prisma.service.js';
import { lockRow } from '../../../database/row-locks.js';
import { Prisma } from '../../../generated/prisma/client.js';
import type { OrderState } from '../../../generated/prisma/enums.js';

/** Orders that are still going (or waiting for their next attempt) block a new one. */
export const OPEN_STATES = ['queued', 'prechecking', 'validating', 'finalizing', 'failed'] as const;

/** One entry of an order's `steps` history. */
export interface OrderStep {
  at: string;
  step: string;
  detail?: unknown;
}

/** What the store step writes on the certificate once the CA has signed. */
export interface IssuedCertificate {
  chainPem: string;
  keyEncrypted: string;
  issuer: string | null;
  serial: string | null;
  notBefore: Date | null;
  notAfter: Date | null;
  domains: string[];
  ariCertId: string | null;
  renewAfter: Date | null;
}

/** The certificate orders' queries: the runner's lease and steps, the orders API, the scheduler's plan. */
@Injectable()
export class CertificateOrdersRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Runs `fn` in one transaction; the runner passes `tx` on to audit, health and revisions. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  find(id: string) {
    return this.prisma.certificateOrder.findUnique({ where: { id } });
  }

  async page(q: { limit: number; offset: number; certificateId?: string }) {
    const where = q.certificateId ? { certificateId: q.certificateId } : {};
    const items = await this.prisma.certificateOrder.findMany({
      where,
      orderBy: { createdAt: 'desc' },
      take: q.limit,
      skip: q.offset,
    });
    return { items, total: await this.prisma.certificateOrder.count({ where }) };
  }

  /** A site with what ordering for it needs: names in order, placements, certificate, policy. */
  siteForOrder(siteId: string) {
    return this.prisma.site.findUnique({
      where: { id: siteId },
      include: {
        hostnames: { orderBy: { position: 'asc' } },
        placements: true,
        certificate: true,
        certificatePolicy: true,
      },
    });
  }

  account(id: string) {
    return this.prisma.acmeAccount.findUnique({ where: { id } });
  }

  /** At most `take` accounts: enough to tell none, one and several apart. */
  accounts(take: number) {
    return this.prisma.acmeAccount.findMany({ take });
  }

  /** Locks the site's row for this transaction and answers its certificate as it is now. */
  async lockSiteCertificate(tx: Tx, siteId: string): Promise<string | null | undefined> {
    await lockRow(tx, 'Site', siteId);
    const site = await tx.site.findUnique({ where: { id: siteId }, select: { certificateId: true } });
    return site?.certificateId;
  }

  openOrderFor(tx: Tx, certificateId: string) {
    return tx.certificateOrder.findFirst({
      where: { certificateId, state: { in: [...OPEN_STATES] } },
    });
  }

  /** The pending certificate a first order fills in. */
  createPendingCertificate(tx: Tx, data: { domains: string[]; accountId: string; challengeType: string }) {
    return tx.certificate.create({ data: { source: 'acme', status: 'pending', ...data } });
  }

  create(
    tx: Tx,
    data: {
      certificateId: string;
      accountId: string;
      kind: 'issue' | 'renew';
      challengeType: string;
      keyType: string;
      domains: string[];
      steps: OrderStep[];
    },
  ) {
    return tx.certificateOrder.create({
      data: { ...data, steps: data.steps as unknown as Prisma.InputJsonValue },
    });
  }

  /** Orders ready to run (queued, or failed and past their retry time) that nobody holds. */
  due(now: Date, take: number) {
    return this.prisma.certificateOrder.findMany({
      where: {
        OR: [{ state: 'queued' }, { state: 'failed', nextAttemptAt: { lte: now } }],
        AND: [{ OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] }],
      },
      orderBy: { createdAt: 'asc' },
      take,
    });
  }

  /** Valid ACME certificates whose renewalInfo is due to be asked again, with their account. */
  ariDue(now: Date) {
    return this.prisma.certificate.findMany({
      where: {
        source: 'acme',
        status: 'valid',
        ariCertId: { not: null },
        OR: [{ ariCheckAfter: null }, { ariCheckAfter: { lte: now } }],
      },
      include: { account: true },
    });
  }

  async setRenewalSchedule(
    certificateId: string,
    schedule: { renewAfter?: Date | null; ariCheckAfter: Date | null },
  ): Promise<void> {
    await this.prisma.certificate.update({ where: { id: certificateId }, data: schedule });
  }

  /** Placed ACME sites with no certificate whose policy issues by itself. */
  sitesToAutoIssue() {
    return this.prisma.site.findMany({
      where: {
        tlsMode: 'acme',
        certificateId: null,
        certificatePolicy: { autoIssue: true },
        placements: { some: {} },
      },
      select: { id: true, name: true },
      orderBy: { name: 'asc' },
    });
  }

  /** Whether this transaction got the renewal planning lock (transaction-scoped, never waits). */
  async tryLock(tx: Tx, key: number): Promise<boolean> {
    const [row] = await tx.$queryRaw<
      { locked: boolean }[]
    >`SELECT pg_try_advisory_xact_lock(${key}::bigint) AS locked`;
    return row?.locked === true;
  }

  /** Certificates due for renewal that serve a site and have no open order, with the sites' policies. */
  dueRenewals(tx: Tx, now: Date) {
    return tx.certificate.findMany({
      where: {
        source: 'acme',
        status: 'valid',
        renewAfter: { lte: now },
        sites: { some: {} },
        orders: { none: { state: { in: [...OPEN_STATES] } } },
      },
      include: { sites: { select: { certificatePolicy: true }, orderBy: { name: 'asc' } } },
    });
  }

  /**
   * Takes the order for this instance when it is due and nobody holds it: a conditional update,
   * atomic in Postgres, so of two instances exactly one gets it.
   */
  async claim(orderId: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const { count } = await this.prisma.certificateOrder.updateMany({
      where: {
        id: orderId,
        state: { in: ['queued', 'failed'] },
        OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }],
        AND: [{ OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] }],
      },
      data: {
        leaseOwner: owner,
        leaseUntil: new Date(now.getTime() + leaseMs),
        attempts: { increment: 1 },
        state: 'prechecking',
        nextAttemptAt: null,
      },
    });
    return count === 1;
  }

  async release(orderId: string, owner: string): Promise<void> {
    await this.prisma.certificateOrder.updateMany({
      where: { id: orderId, leaseOwner: owner },
      data: { leaseOwner: null, leaseUntil: null },
    });
  }

  /** The order with its account, certificate and every agent serving the certificate's sites. */
  async forWork(orderId: string) {
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
    return { ...order, agents };
  }

  /** Ids of the agents serving the order's certificate, sorted. */
  async agentIdsFor(orderId: string) {
    const order = await this.prisma.certificateOrder.findUniqueOrThrow({
      where: { id: orderId },
      include: { certificate: { include: { sites: { include: { placements: true } } } } },
    });
    const agentIds = [
      ...new Set(order.certificate.sites.flatMap((s) => s.placements.map((p) => p.agentId))),
    ].sort();
    return { order, agentIds };
  }

  async setReplaces(orderId: string, replaces: string): Promise<void> {
    await this.prisma.certificateOrder.update({ where: { id: orderId }, data: { replaces } });
  }

  async setOrderUrl(orderId: string, orderUrl: string): Promise<void> {
    await this.prisma.certificateOrder.update({ where: { id: orderId }, data: { orderUrl } });
  }

  async setState(orderId: string, state: OrderState): Promise<void> {
    await this.prisma.certificateOrder.update({ where: { id: orderId }, data: { state } });
  }

  async markValid(orderId: string): Promise<void> {
    await this.prisma.certificateOrder.update({
      where: { id: orderId },
      data: { state: 'valid', finishedAt: new Date() },
    });
  }

  /** Appends to the order's history; read and write in one transaction so no step is lost. */
  async appendStep(orderId: string, step: OrderStep): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const order = await tx.certificateOrder.findUniqueOrThrow({
        where: { id: orderId },
        select: { steps: true },
      });
      await tx.certificateOrder.update({
        where: { id: orderId },
        data: { steps: appendStep(order.steps, step) },
      });
    });
  }

  /** Stores the signed certificate on the order's certificate; answers the rows before and after. */
  async storeIssued(tx: Tx, orderId: string, issued: IssuedCertificate, step: OrderStep) {
    const order = await tx.certificateOrder.findUniqueOrThrow({ where: { id: orderId } });
    const before = await tx.certificate.findUniqueOrThrow({ where: { id: order.certificateId } });
    const after = await tx.certificate.update({
      where: { id: order.certificateId },
      data: {
        ...issued,
        status: 'valid',
        accountId: order.accountId,
        challengeType: order.challengeType,
        ariCheckAfter: null,
        lastRenewalError: null,
        lastRenewalAt: order.kind === 'renew' ? new Date(step.at) : before.lastRenewalAt,
      },
    });
    await tx.certificateOrder.update({
      where: { id: orderId },
      data: { problem: Prisma.DbNull, steps: appendStep(order.steps, step) },
    });
    return { order, before, after };
  }

  /** The order and its certificate, read inside the failing attempt's transaction. */
  withCertificate(tx: Tx, orderId: string) {
    return tx.certificateOrder.findUniqueOrThrow({ where: { id: orderId }, include: { certificate: true } });
  }

  /** Marks the attempt failed with its problem document and when to try again. */
  async markFailed(
    tx: Tx,
    order: { id: string; steps: Prisma.JsonValue },
    problem: Record<string, unknown>,
    nextAttemptAt: Date,
    step: OrderStep,
  ): Promise<void> {
    await tx.certificateOrder.update({
      where: { id: order.id },
      data: {
        state: 'failed',
        problem: problem as Prisma.InputJsonValue,
        nextAttemptAt,
        steps: appendStep(order.steps, step),
      },
    });
  }

  /** What the certificate shows about its last renewal or issuance failure. */
  async setRenewalError(tx: Tx, certificateId: string, message: string): Promise<void> {
    await tx.certificate.update({ where: { id: certificateId }, data: { lastRenewalError: message } });
  }
}

function appendStep(steps: Prisma.JsonValue, step: OrderStep): Prisma.InputJsonValue {
  const list = Array.isArray(steps) ? steps : [];
  return [...list, JSON.parse(JSON.stringify(step))] as Prisma.InputJsonValue;
}
