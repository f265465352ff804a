import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../database/prisma.service.js';

/**
 * What agent-hosts learns from the hosts themselves and keeps on the agent's row: the pinned
 * host key, a changed one offered by the host, the proxy version. Every write bumps the row's
 * version, so an admin's stale edit of the agent is refused rather than undoing what was learnt.
 */
@Injectable()
export class AgentHostsRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  find(id: string, tx: Tx | PrismaService = this.prisma) {
    return tx.agent.findUnique({ where: { id } });
  }

  /** Which of the agent's host keys are settled; null when the agent is gone. */
  keyState(id: string) {
    return this.prisma.agent.findUnique({
      where: { id },
      select: { sshKeyEncrypted: true, hostKeyFingerprint: true, offeredHostKey: true },
    });
  }

  /** Pins the key on first contact; false when another key was pinned first. */
  async pinFirst(id: string, fingerprint: string, tx: Tx | PrismaService = this.prisma): Promise<boolean> {
    const { count } = await tx.agent.updateMany({
      where: { id, hostKeyFingerprint: null },
      data: { hostKeyFingerprint: fingerprint, version: { increment: 1 } },
    });
    return count === 1;
  }

  /** Records a changed key the host presented (once per distinct key). */
  async offer(id: string, fingerprint: string, tx: Tx | PrismaService = this.prisma): Promise<void> {
    await tx.agent.updateMany({
      where: { id, OR: [{ offeredHostKey: null }, { NOT: { offeredHostKey: fingerprint } }] },
      data: { offeredHostKey: fingerprint, version: { increment: 1 } },
    });
  }

  /** The key the agent test met, when it is not the pinned one. */
  async setOffered(tx: Tx, id: string, fingerprint: string): Promise<void> {
    await tx.agent.update({
      where: { id },
      data: { offeredHostKey: fingerprint, version: { increment: 1 } },
    });
  }

  /** The offered key becomes the pinned one. */
  accept(tx: Tx, id: string, fingerprint: string) {
    return tx.agent.update({
      where: { id },
      data: { hostKeyFingerprint: fingerprint, offeredHostKey: null, version: { increment: 1 } },
    });
  }

  async setProxyVersion(tx: Tx, id: string, proxyVersion: string): Promise<void> {
    await tx.agent.update({ where: { id }, data: { proxyVersion, version: { increment: 1 } } });
  }
}
