import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const VERSION = 'v1';

/**
 * Seals secrets (SSH keys, certificate keys, ACME account keys) with AES-256-GCM before they
 * reach the database. The master key comes from PORTICO_SECRET_KEY, or from a key file that
 * is created with mode 0600 on first start. Sealed form: v1.<iv>.<tag>.<ciphertext> (base64url).
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

  /** Reads the key file, creating it (0600) with a random key if it does not exist yet. */
  static async fromKeyFile(path: string): Promise<SecretBox> {
    try {
      return SecretBox.fromKey(SecretBox.parseKey((await readFile(path, 'utf8')).trim()));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true });
      const key = randomBytes(32);
      await writeFile(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(path, 0o600);
      return SecretBox.fromKey(key);
    }
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
