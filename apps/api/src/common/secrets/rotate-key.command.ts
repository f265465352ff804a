import { randomBytes } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '../../config/app-config.js';
import { DatabaseModule } from '../../database/database.module.js';
import { PrismaService } from '../../database/prisma.service.js';
import { rotateMasterKey } from './key-rotation.js';
import { MasterKeyError } from './master-key.js';
import { SecretBox } from './secret-box.js';
import { SecretsModule } from './secrets.module.js';

@Module({})
class RotateKeyModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: RotateKeyModule,
      global: true,
      imports: [DatabaseModule, SecretsModule],
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}

/**
 * `node apps/api/dist/main.js rotate-key` (docs/operations.md, "Rotating the master key"), run
 * while every instance is stopped. The current key is proven against the database's check value
 * as at any start; the new key is PORTICO_NEW_SECRET_KEY, or, for a key file, a random key that
 * replaces secret.key (the old file is kept beside it) once the transaction has committed.
 */
export async function rotateKeyCommand(config: AppConfig): Promise<void> {
  const app = await NestFactory.createApplicationContext(RotateKeyModule.forRoot(config), {
    abortOnError: false,
    logger: ['error', 'warn'],
  });
  try {
    const current = app.get(SecretBox);
    const keyFile = join(config.dataDir, 'secret.key');
    if (config.secretKey && !config.newSecretKey) {
      throw new MasterKeyError(
        'PORTICO_SECRET_KEY is set: set PORTICO_NEW_SECRET_KEY to the new key (32 bytes, hex or base64) as well',
      );
    }
    const nextKey = config.newSecretKey ? SecretBox.parseKey(config.newSecretKey) : randomBytes(32);
    const next = SecretBox.fromKey(nextKey);
    if (next.keyId === current.keyId) throw new MasterKeyError('The new key is the current key');
    // The new key is on disk before anything is re-sealed with it, so no outcome loses it.
    const pending = `${keyFile}.next`;
    if (!config.secretKey) await SecretBox.writeKeyFile(pending, nextKey, 'w');
    const { resealed } = await rotateMasterKey(app.get(PrismaService), current, next);
    const total = Object.values(resealed).reduce((a, b) => a + b, 0);
    const lines = [`Re-sealed ${total} secrets under the new master key (key id ${next.keyId}).`];
    if (config.secretKey) {
      lines.push('Start Portico with PORTICO_SECRET_KEY set to the value of PORTICO_NEW_SECRET_KEY.');
    } else {
      const previous = `${keyFile}.previous-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(keyFile, previous);
      await rename(pending, keyFile);
      lines.push(`${keyFile} now holds the new key; the old key is in ${previous}.`);
    }
    lines.push('Back up the new key with your database backups, then start Portico.');
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await app.close();
  }
}
