import { Injectable } from '@nestjs/common';
import { PrismaService, Tx } from '../../database/prisma.service.js';

/**
 * The desired-state revision. Every change bumps it inside the change's own transaction, so a
 * revision number always names one consistent state; concurrent writers serialize on the row.
 */
@Injectable()
export class RevisionService {
  constructor(private readonly prisma: PrismaService) {}

  async bump(tx: Tx): Promise<number> {
    const row = await tx.fleetRevision.upsert({
      where: { id: 1 },
      create: { id: 1, revision: 1 },
      update: { revision: { increment: 1 } },
    });
    return row.revision;
  }

  current(): Promise<number> {
    return this.currentIn(this.prisma);
  }

  async currentIn(tx: Tx | PrismaService): Promise<number> {
    return (await tx.fleetRevision.findUnique({ where: { id: 1 } }))?.revision ?? 0;
  }
}
