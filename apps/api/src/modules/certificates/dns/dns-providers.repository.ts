import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../../database/prisma.service.js';
import type { Prisma } from '../../../generated/prisma/client.js';

/** The DNS providers' queries: one provider per zone, names unique. */
@Injectable()
export class DnsProvidersRepository {
  constructor(private readonly prisma: PrismaService) {}

  list() {
    return this.prisma.dnsProvider.findMany({ orderBy: { zone: 'asc' } });
  }

  nameOrZoneTaken(tx: Tx, name: string, zone: string) {
    return tx.dnsProvider.findFirst({ where: { OR: [{ name }, { zone }] } });
  }

  create(tx: Tx, data: Prisma.DnsProviderCreateInput) {
    return tx.dnsProvider.create({ data });
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }
}
