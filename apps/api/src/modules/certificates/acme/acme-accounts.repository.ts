import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../../database/prisma.service.js';
import type { Prisma } from '../../../generated/prisma/client.js';

/** The ACME accounts' queries: one account per directory URL. */
@Injectable()
export class AcmeAccountsRepository {
  constructor(private readonly prisma: PrismaService) {}

  list() {
    return this.prisma.acmeAccount.findMany({ orderBy: { createdAt: 'asc' } });
  }

  byDirectory(directoryUrl: string) {
    return this.prisma.acmeAccount.findUnique({ where: { directoryUrl } });
  }

  create(tx: Tx, data: Prisma.AcmeAccountCreateInput) {
    return tx.acmeAccount.create({ data });
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }
}
