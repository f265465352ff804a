import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import type { PrismaService } from '../../database/prisma.service.js';
import { SecretBox } from './secret-box.js';
import { SecretsRepository } from './secrets.repository.js';

/** The text sealed into MasterKeyCheck: opening it proves a key is the database's key. */
export const KEY_CHECK_TEXT = 'portico-master-key-check';

/**
 * A start refused because of the master key. main.ts exits with EX_CONFIG (78) like any other
 * bad setting, so a supervisor does not restart Portico in a loop over secrets it cannot open.
 */
export class MasterKeyError extends Error {
  readonly exitCode = 78;
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/**
 * The master key for this database, proven against its check value. The key comes from
 * PORTICO_SECRET_KEY or DATA_DIR/secret.key; a new key file is only ever created for a database
 * that holds no check value and no sealed secret. A missing or different key for a database with
 * secrets stops the start and names the key to restore: a new key over old secrets would start
 * "healthy" with every SSH key and certificate key unreadable.
 */
export async function resolveMasterKey(config: AppConfig, prisma: PrismaService): Promise<SecretBox> {
  const keyFile = join(config.dataDir, 'secret.key');
  const source = config.secretKey ? 'PORTICO_SECRET_KEY' : keyFile;
  const given = config.secretKey
    ? SecretBox.fromKey(SecretBox.parseKey(config.secretKey))
    : await SecretBox.readKeyFile(keyFile);

  const secrets = new SecretsRepository(prisma);
  const check = await secrets.keyCheck();
  if (check) {
    if (!given) throw missingKey(keyFile, `key id ${check.keyId}`);
    if (!opens(given, check.sealed, KEY_CHECK_TEXT)) throw wrongKey(source, given, `key id ${check.keyId}`);
    return given;
  }

  // No check value yet: a fresh database, or one from a version that did not record it.
  const sample = await secrets.sealedSample();
  if (sample) {
    const where = `${sample.table}.${sample.column}`;
    if (!given) throw missingKey(keyFile, `the key that sealed ${where}`);
    if (!opens(given, sample.value)) throw wrongKey(source, given, `the key that sealed ${where}`);
  }
  const box = given ?? (await SecretBox.createKeyFile(keyFile));
  // Several instances may start together; the first row wins and the others are checked against it.
  const recorded = await secrets.recordKeyCheck(box.keyId, box.seal(KEY_CHECK_TEXT));
  if (!opens(box, recorded.sealed, KEY_CHECK_TEXT)) throw wrongKey(source, box, `key id ${recorded.keyId}`);
  new Logger('Secrets').log({ keyId: box.keyId }, 'recorded the master key check value');
  return box;
}

function opens(box: SecretBox, sealed: string, expected?: string): boolean {
  try {
    const text = box.open(sealed);
    return expected === undefined || text === expected;
  } catch {
    return false;
  }
}

function missingKey(keyFile: string, which: string): MasterKeyError {
  return new MasterKeyError(
    `The master key is missing: PORTICO_SECRET_KEY is not set and ${keyFile} does not exist, ` +
      `but this database holds secrets sealed with ${which}. Restore that key file from your backup ` +
      '(or set PORTICO_SECRET_KEY to that key) and start again. Portico does not create a new key ' +
      'over existing secrets: they could never be opened again.',
  );
}

function wrongKey(source: string, given: SecretBox, which: string): MasterKeyError {
  return new MasterKeyError(
    `The master key from ${source} (key id ${given.keyId}) is not the key this database's secrets ` +
      `are sealed with (${which}). Restore the right key (from your backup of secret.key or ` +
      'PORTICO_SECRET_KEY) and start again; nothing was changed.',
  );
}
