import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

/** Prisma over node-postgres: no Rust query engine, works the same on PGlite and Postgres. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(readonly connectionString: string) {
    super({ adapter: new PrismaPg({ connectionString, max: 10 }) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}

/** The client handed to repositories inside a transaction. */
export type Tx = Parameters<Parameters<PrismaService['$transaction']>[0]>[0];
