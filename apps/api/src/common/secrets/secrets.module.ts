import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { PrismaService } from '../../database/prisma.service.js';
import { resolveMasterKey } from './master-key.js';
import { SecretBox } from './secret-box.js';

@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [AppConfig, PrismaService],
      useFactory: (config: AppConfig, prisma: PrismaService) => resolveMasterKey(config, prisma),
    },
  ],
  exports: [SecretBox],
})
export class SecretsModule {}
