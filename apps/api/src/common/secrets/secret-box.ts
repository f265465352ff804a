import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const VERSION = 'v1';

/**
 * Seals secrets (SSH keys, certificate keys, ACME account keys) with AES-256-GCM before they
 * reach the database. The master key comes from PORTICO_SECRET_KEY, or from a key file that
 * is created with mode 0600 on first start (master-key.ts decides when that is allowed). Sealed form: v1.<iv>.<tag>.<ciphertext> (base64url).
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new Error('secret key must be 32 bytes');
    return new SecretBox(key);
  }

  static parseKey(text: string): Buffer {
    return /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  }

  /** Reads the key file; null when it does not exist (the caller decides whether to create one). */
  static async readKeyFile(path: string): Promise<SecretBox | null> {
    try {
      return SecretBox.fromKey(SecretBox.parseKey((await readFile(path, 'utf8')).trim()));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Writes a new random key to `path` (mode 0600); fails if the file already exists. */
  static async createKeyFile(path: string): Promise<SecretBox> {
    const key = randomBytes(32);
    await SecretBox.writeKeyFile(path, key, 'wx');
    return SecretBox.fromKey(key);
  }

  static async writeKeyFile(path: string, key: Buffer, flag: 'wx' | 'w'): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${key.toString('hex')}\n`, { mode: 0o600, flag });
    await chmod(path, 0o600);
  }

  /**
   * A short fingerprint that names the key in messages ("restore the key with id …") without
   * revealing anything about it: SHA-256 of a label and the key, 16 hex characters.
   */
  get keyId(): string {
    return createHash('sha256').update('portico-master-key-id\0').update(this.key).digest('hex').slice(0, 16);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), data]
      .map((p) => (Buffer.isBuffer(p) ? p.toString('base64url') : p))
      .join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
