import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

/** Prisma over node-postgres: no Rust query engine, works the same on PGlite and Postgres. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(readonly connectionString: string) {
    super({
      adapter: new PrismaPg({ connectionString, max: 10 }),
      // The embedded PGlite runs one transaction at a time across connections, so a short burst
      // of writes queues; Prisma's 2 s / 5 s defaults would fail them instead of waiting.
      transactionOptions: { maxWait: 10_000, timeout: 20_000 },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}

/** The client handed to repositories inside a transaction. */
export type Tx = Parameters<Parameters<PrismaService['$transaction']>[0]>[0];
