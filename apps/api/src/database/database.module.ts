import { Global, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { migrate } from './migrator.js';
import { MIGRATIONS_DIR } from './paths.js';
import { PrismaService } from './prisma.service.js';

/** Where the database lives for this process: the configured Postgres or the embedded one. */
export class DatabaseHandle {
  constructor(
    readonly url: string,
    readonly embedded: EmbeddedPostgres | null,
  ) {}
}

@Global()
@Module({
  providers: [
    {
      provide: DatabaseHandle,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const logger = new Logger('Database');
        const embedded = config.databaseUrl ? null : await EmbeddedPostgres.start(config.dataDir);
        const url = config.databaseUrl ?? embedded!.url;
        logger.log(embedded ? `embedded Postgres under ${config.dataDir}` : 'external Postgres');
        const result = await migrate(url, MIGRATIONS_DIR);
        logger.log({ applied: result.applied, alreadyApplied: result.alreadyApplied.length }, 'migrations');
        return new DatabaseHandle(url, embedded);
      },
    },
    {
      provide: PrismaService,
      inject: [DatabaseHandle],
      useFactory: (db: DatabaseHandle) => new PrismaService(db.url),
    },
  ],
  exports: [PrismaService, DatabaseHandle],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(private readonly db: DatabaseHandle) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.embedded?.stop();
  }
}
