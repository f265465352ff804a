import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { Injectable } from '@nestjs/common';
import acme from 'acme-client';
import { parseRenewalInfo, type RenewalInfo } from './ari.js';

export const DIRECTORY_PRESETS = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

/** A directory as given (preset name or URL) → its URL. */
export function directoryUrlOf(directory: string): string {
  return directory in DIRECTORY_PRESETS
    ? DIRECTORY_PRESETS[directory as keyof typeof DIRECTORY_PRESETS]
    : directory;
}

export interface AccountKeys {
  directoryUrl: string;
  accountKeyPem: string;
  accountUrl?: string | null;
  eab?: { kid: string; hmacKey: string } | null;
}

/**
 * The only place that talks to acme-client. acme-client does the RFC 8555 protocol (JWS,
 * nonces and their badNonce retries, polling); ARI (RFC 9773), which it lacks, is added here
 * with the same HTTP client so the same trust settings apply.
 */
@Injectable()
export class AcmeGateway {
  /**
   * Trusts one more CA for the ACME server's TLS (Pebble in tests). In production a private
   * CA's root goes in NODE_EXTRA_CA_CERTS, which this HTTP client honours too.
   */
  static trust(caPem: string): void {
    acme.axios.defaults.httpsAgent = new HttpsAgent({ ca: [...rootCertificates, caPem] });
  }

  client(keys: AccountKeys): acme.Client {
    return new acme.Client({
      directoryUrl: keys.directoryUrl,
      accountKey: keys.accountKeyPem,
      accountUrl: keys.accountUrl ?? undefined,
      externalAccountBinding: keys.eab ?? undefined,
      backoffAttempts: 12,
      backoffMin: 500,
      backoffMax: 5_000,
    });
  }

  async createAccountKey(): Promise<string> {
    return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  }

  /** Registers (or finds, for an existing key) the account; returns its URL. */
  async register(keys: AccountKeys, email: string | null): Promise<string> {
    const client = this.client(keys);
    await client.createAccount({
      termsOfServiceAgreed: true,
      ...(email ? { contact: [`mailto:${email}`] } : {}),
    });
    return client.getAccountUrl();
  }

  async createCertificateKeyAndCsr(
    domains: string[],
    keyType: string = 'ecdsa-p256',
  ): Promise<{ keyPem: string; csr: Buffer }> {
    const key =
      keyType === 'rsa-2048' || keyType === 'rsa-4096'
        ? await acme.crypto.createPrivateRsaKey(keyType === 'rsa-2048' ? 2048 : 4096)
        : await acme.crypto.createPrivateEcdsaKey('P-256');
    const [, csr] = await acme.crypto.createCsr({ altNames: domains }, key);
    return { keyPem: key.toString(), csr };
  }

  /** The directory's renewalInfo URL, when the CA supports ARI. */
  async renewalInfoUrl(directoryUrl: string): Promise<string | null> {
    const res = await acme.axios.get(directoryUrl, { validateStatus: () => true });
    const url = res.status === 200 ? (res.data as { renewalInfo?: unknown })?.renewalInfo : undefined;
    return typeof url === 'string' ? url : null;
  }

  /** GET <renewalInfo>/<certId> (RFC 9773 §4.1); null when the CA has no ARI or no answer. */
  async renewalInfo(directoryUrl: string, certId: string, now = new Date()): Promise<RenewalInfo | null> {
    const base = await this.renewalInfoUrl(directoryUrl);
    if (!base) return null;
    const res = await acme.axios.get(`${base.replace(/\/+$/, '')}/${certId}`, { validateStatus: () => true });
    if (res.status !== 200) return null;
    const retry = res.headers['retry-after'];
    return parseRenewalInfo(res.data, typeof retry === 'string' ? retry : undefined, now);
  }
}
