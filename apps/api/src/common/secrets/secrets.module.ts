import { join } from 'node:path';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { SecretBox } from './secret-box.js';

@Global()
@Module({
  providers: [
    {
      provide: SecretBox,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.secretKey
          ? SecretBox.fromKey(SecretBox.parseKey(config.secretKey))
          : SecretBox.fromKeyFile(join(config.dataDir, 'secret.key')),
    },
  ],
  exports: [SecretBox],
})
export class SecretsModule {}
