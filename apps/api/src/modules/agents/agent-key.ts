import ssh2 from 'ssh2';
import { AppError } from '../../common/errors/app-error.js';

const { utils } = ssh2;

/** An ed25519 pair whose public half the operator adds to the host's authorized_keys. */
export function generateAgentKey(comment: string): { privateKey: string; publicKey: string } {
  const pair = utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public };
}

/** Public key (authorized_keys form) of a pasted private key; a 400 if it is not one. */
export function publicKeyOf(privateKey: string, comment: string): string {
  const parsed = utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error || !key.isPrivateKey()) {
    throw AppError.invalid('privateKey', 'is not an unencrypted OpenSSH or PEM private key');
  }
  return `${key.type} ${key.getPublicSSH().toString('base64')} ${comment}`;
}
