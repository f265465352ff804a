import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import { rootCertificates } from 'node:tls';
import { Injectable } from '@nestjs/common';
import acme from 'acme-client';
import { AppError } from '../../../common/errors/app-error.js';
import { OutboundPolicy } from '../../../common/outbound/outbound-policy.js';
import { AppConfig } from '../../../config/app-config.js';
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

/** An order at the CA, as the runner sees it. */
export interface CaOrder {
  readonly url: string;
  readonly status: string;
}

/** One name of an order: what must be proven before the CA signs it. */
export interface CaAuthorization {
  readonly name: string;
  readonly wildcard: boolean;
  readonly status: string;
  /** The challenge types the CA offers for this name. */
  readonly offered: string[];
}

/** The challenge the runner answers, with the key authorization its solver must present. */
export interface CaChallenge {
  readonly type: string;
  readonly token: string;
  readonly keyAuthorization: string;
}

/**
 * The only place that talks to acme-client. acme-client does the RFC 8555 protocol (JWS,
 * nonces and their badNonce retries, polling); ARI (RFC 9773), which it lacks, is added here
 * with the same HTTP client so the same trust settings apply.
 */
@Injectable()
export class AcmeGateway {
  private static extraCa: string | null = null;
  private static policy = new OutboundPolicy([], []);

  /**
   * Trusts one more CA for the ACME server's TLS (Pebble in tests). In production a private
   * CA's root goes in NODE_EXTRA_CA_CERTS, which this HTTP client honours too.
   */
  static trust(caPem: string): void {
    AcmeGateway.extraCa = caPem;
    AcmeGateway.configureHttp();
  }

  /**
   * acme-client's HTTP client (one per process): every connection resolves its host through
   * the outbound policy and connects to the checked address; every request has a deadline.
   */
  private static configureHttp(timeoutMs?: number): void {
    const lookup = AcmeGateway.policy.lookup;
    agents.http = new HttpAgent({ lookup });
    agents.https = new HttpsAgent({
      lookup,
      ...(AcmeGateway.extraCa ? { ca: [...rootCertificates, AcmeGateway.extraCa] } : {}),
    });
    acme.axios.defaults.httpAgent = agents.http;
    acme.axios.defaults.httpsAgent = agents.https;
    if (timeoutMs !== undefined) acme.axios.defaults.timeout = timeoutMs;
  }

  private readonly timeoutMs: number;

  constructor(config: AppConfig, policy: OutboundPolicy) {
    this.timeoutMs = config.acmeTimeoutMs;
    AcmeGateway.policy = policy;
    AcmeGateway.configureHttp(config.acmeTimeoutMs);
  }

  /**
   * Fetches the directory once, within ACME_TIMEOUT_SEC, before anything else talks to the CA:
   * a stopped or wrong CA fails at once with CA_UNREACHABLE and a plain reason, instead of
   * acme-client retrying for minutes and then failing on an error it cannot read.
   */
  async ensureReachable(directoryUrl: string): Promise<void> {
    await AcmeGateway.policy.resolve(new URL(directoryUrl).hostname);
    let res: { status: number; body: string };
    try {
      res = await getDirectory(directoryUrl, this.timeoutMs);
    } catch (error) {
      throw new AppError(
        'CA_UNREACHABLE',
        `CA unreachable at ${directoryUrl}: ${whyUnreachable(error, this.timeoutMs)}`,
      );
    }
    let directory: { newAccount?: unknown; newOrder?: unknown } | null = null;
    try {
      directory = JSON.parse(res.body);
    } catch {
      // not JSON: reported below
    }
    if (res.status !== 200 || !directory?.newAccount || !directory.newOrder) {
      throw new AppError('CA_UNREACHABLE', `no ACME directory at ${directoryUrl} (HTTP ${res.status})`);
    }
  }

  /** A conversation with the CA under one account, in Portico's terms (see AcmeSession). */
  session(keys: AccountKeys): AcmeSession {
    return new AcmeClientSession(this.client(keys));
  }

  /** Revokes a certificate with the account that issued it; `reason` is an RFC 5280 code. */
  async revoke(keys: AccountKeys, chainPem: string, reason: number): Promise<void> {
    await this.client(keys).revokeCertificate(chainPem, { reason });
  }

  async createAccountKey(): Promise<string> {
    return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  }

  /** Registers (or finds, for an existing key) the account; returns its URL. */
  async register(keys: AccountKeys, email: string | null): Promise<string> {
    await this.ensureReachable(keys.directoryUrl);
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

  private client(keys: AccountKeys): acme.Client {
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

/** One account's order conversation with the CA (RFC 8555 §7.4), in Portico's terms. */
export interface AcmeSession {
  /** newOrder; `replaces` names the certificate a renewal replaces (RFC 9773 §5). */
  placeOrder(domains: string[], replaces?: string | null): Promise<CaOrder>;
  authorizations(order: CaOrder): Promise<CaAuthorization[]>;
  /** The name's challenge of this type with its key authorization; null when not offered. */
  challenge(authz: CaAuthorization, type: string): Promise<CaChallenge | null>;
  /** Tells the CA the answer is in place and it may check. */
  answer(challenge: CaChallenge): Promise<void>;
  /** Waits until the CA has validated the name; throws when it could not. */
  waitForValid(authz: CaAuthorization): Promise<void>;
  /** The CA's problem document (RFC 7807) for the name's failed challenge, when it gives one. */
  problemOf(authz: CaAuthorization): Promise<Record<string, unknown> | null>;
  finalize(order: CaOrder, csr: Buffer): Promise<CaOrder>;
  certificate(order: CaOrder): Promise<string>;
}

/**
 * AcmeSession over acme-client. Its objects stay in here: callers hold Portico's
 * CaOrder/CaAuthorization/CaChallenge, each mapped back to the object acme-client gave for it.
 */
class AcmeClientSession implements AcmeSession {
  private readonly orders = new WeakMap<CaOrder, acme.Order>();
  private readonly authorizationsOf = new WeakMap<CaAuthorization, acme.Authorization>();
  private readonly challenges = new WeakMap<CaChallenge, acme.Authorization['challenges'][number]>();

  constructor(private readonly client: acme.Client) {}

  async placeOrder(domains: string[], replaces?: string | null): Promise<CaOrder> {
    const order = await this.client.createOrder({
      identifiers: domains.map((value) => ({ type: 'dns', value })),
      ...(replaces ? { replaces } : {}),
    } as Parameters<acme.Client['createOrder']>[0]);
    return this.wrapOrder(order);
  }

  async authorizations(order: CaOrder): Promise<CaAuthorization[]> {
    const list = await this.client.getAuthorizations(this.raw(this.orders, order));
    return list.map((authz) => {
      const view: CaAuthorization = {
        name: authz.identifier.value,
        wildcard: authz.wildcard === true,
        status: authz.status,
        offered: authz.challenges.map((c) => c.type),
      };
      this.authorizationsOf.set(view, authz);
      return view;
    });
  }

  async challenge(authz: CaAuthorization, type: string): Promise<CaChallenge | null> {
    const found = this.raw(this.authorizationsOf, authz).challenges.find((c) => c.type === type);
    if (!found) return null;
    const view: CaChallenge = {
      type: found.type,
      token: found.token,
      keyAuthorization: await this.client.getChallengeKeyAuthorization(found),
    };
    this.challenges.set(view, found);
    return view;
  }

  async answer(challenge: CaChallenge): Promise<void> {
    await this.client.completeChallenge(this.raw(this.challenges, challenge));
  }

  async waitForValid(authz: CaAuthorization): Promise<void> {
    await this.client.waitForValidStatus(this.raw(this.authorizationsOf, authz));
  }

  async problemOf(authz: CaAuthorization): Promise<Record<string, unknown> | null> {
    const url = this.raw(this.authorizationsOf, authz).url;
    const [fresh] = await this.client.getAuthorizations({ authorizations: [url] } as acme.Order);
    const failed = fresh?.challenges.find((c) => (c as { error?: unknown }).error);
    return (failed as { error?: Record<string, unknown> } | undefined)?.error ?? null;
  }

  async finalize(order: CaOrder, csr: Buffer): Promise<CaOrder> {
    return this.wrapOrder(await this.client.finalizeOrder(this.raw(this.orders, order), csr));
  }

  certificate(order: CaOrder): Promise<string> {
    return this.client.getCertificate(this.raw(this.orders, order));
  }

  private wrapOrder(order: acme.Order): CaOrder {
    const view: CaOrder = { url: order.url, status: order.status };
    this.orders.set(view, order);
    return view;
  }

  private raw<K extends object, V>(map: WeakMap<K, V>, key: K): V {
    const value = map.get(key);
    if (!value) throw new Error('not an object of this ACME session');
    return value;
  }
}

const agents: { http: HttpAgent; https: HttpsAgent } = { http: new HttpAgent(), https: new HttpsAgent() };

/**
 * GET the directory with node's own client (acme-client's axios instance retries refused
 * connections for over a minute), with one deadline for connect and answer together.
 */
function getDirectory(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const https = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const req = (https ? httpsGet : httpGet)(
      url,
      { agent: https ? agents.https : agents.http, headers: { accept: 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 1 << 16) body += chunk;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body });
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** A socket error as a person reads it; never a stack, never acme-client internals. */
function whyUnreachable(error: unknown, timeoutMs: number): string {
  const e = error as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
      return `no answer within ${Math.round(timeoutMs / 1000)} s`;
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was closed (is it an HTTP(S) server?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the name does not resolve';
    case 'OUTBOUND_DENIED':
      return e.message ?? 'refused by the outbound policy';
    default:
      return e.code ? `${e.code}` : (e.message ?? 'unknown error').slice(0, 200);
  }
}
