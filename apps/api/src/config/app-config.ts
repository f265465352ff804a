import ipaddr from 'ipaddr.js';
import { z } from 'zod';

// Every setting Portico reads from the environment, validated once at boot. A bad start
// reports every problem at once instead of failing on the first one.

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A duration in milliseconds, at most a day. */
const ms = z.coerce.number().int().min(0).max(86_400_000);

const masterKey = z
  .string()
  .refine((k) => /^[0-9a-f]{64}$/i.test(k) || Buffer.from(k, 'base64').length === 32, {
    message: 'must be 32 bytes as 64 hex characters or base64',
  });

const cidrList = z.string().refine(
  (text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .every((s) => ipaddr.isValid(s) || isCidr(s)),
  { message: 'comma-separated IP addresses or CIDRs' },
);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(?:ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  PORTICO_DATA_DIR: z.string().min(1).default('./data'),
  PORTICO_SECRET_KEY: masterKey.optional(),
  // Only read by `rotate-key`: the key every secret is re-sealed under.
  PORTICO_NEW_SECRET_KEY: masterKey.optional(),
  PORTICO_ADMIN_EMAIL: z.email('must be an email address').optional(),
  PORTICO_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  PORTICO_WEB_DIR: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// URL')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Absent: readable lines on a terminal, JSON lines anywhere else (a pipe, a file, a container).
  PORTICO_LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(12),
  COOKIE_SECURE: bool.default(false),
  LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  LOGIN_ACCOUNT_FREE_ATTEMPTS: z.coerce.number().int().min(1).max(1_000).default(5),
  LOGIN_ACCOUNT_MAX_BACKOFF_SEC: z.coerce.number().min(1).max(86_400).default(900),
  // Which peers may tell the client address and scheme (X-Forwarded-For/-Proto): Express's
  // `trust proxy` as a hop count or addresses/CIDRs/names (loopback, uniquelocal). Default: none.
  TRUST_PROXY: z
    .string()
    .refine(validTrustProxy, {
      message: 'a hop count, or comma-separated addresses/CIDRs (or loopback, linklocal, uniquelocal)',
    })
    .optional(),
  DEPLOY_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(10),
  DEPLOY_AGENT_WAIT_MS: ms.min(1_000).default(300_000),
  DEPLOY_POLL_MS: ms.min(50).default(1_000),
  DEPLOY_TARGET_TIMEOUT_MS: ms.min(1_000).default(600_000),
  DEPLOY_CONNECT_TIMEOUT_MS: ms.min(100).default(10_000),
  DEPLOY_COMMAND_TIMEOUT_MS: ms.min(100).default(60_000),
  DEPLOY_SHUTDOWN_GRACE_MS: ms.default(30_000),
  /** Test-only: a run stops for good after this step's work (so a test can kill the instance there). */
  DEPLOY_TEST_HOLD_AFTER_STEP: z
    .enum(['inspect', 'stage', 'validate', 'switch', 'reload', 'verify', 'rollback'])
    .optional(),
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,256}$/, 'must be 16-256 printable characters without spaces')
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'letters, digits, dot, dash, underscore')
    .default('portico'),
  HEALTH_ENABLED: bool.default(true),
  HEALTH_INTERVAL_SEC: z.coerce.number().min(0.2).max(86_400).default(10),
  HEALTH_TIMEOUT_SEC: z.coerce.number().min(0.1).max(300).default(5),
  HEALTH_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(256),
  HEALTH_LEASE_SEC: z.coerce.number().min(1).max(3_600).default(15),
  HEALTH_REFRESH_SEC: z.coerce.number().min(0.2).max(3_600).default(5),
  HEALTH_TLS_CA_FILE: z.string().min(1).optional(),
  HEALTH_DRIFT_INTERVAL_SEC: z.coerce.number().min(0).max(86_400).default(300),
  HEALTH_TLS_WARN_DAYS: z.coerce.number().int().min(0).max(365).default(14),
  HEALTH_DEGRADE_AFTER: z.coerce.number().int().min(1).max(100).default(2),
  HEALTH_DOWN_AFTER: z.coerce.number().int().min(1).max(100).default(4),
  HEALTH_RISE_AFTER: z.coerce.number().int().min(1).max(100).default(2),
  // Site doctor: DNS servers (ip or ip:port, comma-separated) the DNS check asks; default the system's.
  DOCTOR_DNS_SERVERS: z
    .string()
    .regex(/^[\d.:[\],a-f]+$/i, 'comma-separated ip[:port] list')
    .optional(),
  // How often certificates are renewed and auto-issued (certificate policies with autoIssue).
  CERT_SCHEDULER_INTERVAL_SEC: z.coerce.number().min(1).max(86_400).default(300),
  // Outbound policy (common/outbound): CIDRs or addresses, comma-separated, added to the
  // built-in deny list (link-local, metadata, multicast) or exempted from it.
  OUTBOUND_DENY: cidrList.optional(),
  OUTBOUND_ALLOW: cidrList.optional(),
  ACME_TIMEOUT_SEC: z.coerce.number().min(1).max(600).default(30),
  WS_MAX_BUFFER_KB: z.coerce.number().int().min(1).max(1_048_576).default(1_024),
  // How often a live WebSocket's credentials are looked up again (besides the instant close on
  // a revoke, logout, disable or demotion event).
  WS_RECHECK_SEC: z.coerce.number().min(0.2).max(3_600).default(30),
  // Origins besides the request's own host that may use the session cookie (docs/api.md).
  ALLOWED_ORIGINS: z
    .string()
    .regex(
      /^\s*https?:\/\/[\w.-]+(?::\d{1,5})?(?:\s*,\s*https?:\/\/[\w.-]+(?::\d{1,5})?)*\s*$/i,
      'comma-separated origins like https://portico.example.com (scheme, host, optional port; no path)',
    )
    .optional(),
});

/** Express's `trust proxy` value for TRUST_PROXY: false (nobody), a hop count, or an address list. */
function trustProxyValue(text: string | undefined): false | number | string[] {
  if (text === undefined || text === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text);
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function validTrustProxy(text: string): boolean {
  const value = trustProxyValue(text);
  if (value === false || typeof value === 'number') return true;
  const names = new Set(['loopback', 'linklocal', 'uniquelocal']);
  return value.length > 0 && value.every((v) => names.has(v) || ipaddr.isValid(v) || isCidr(v));
}

function isCidr(text: string): boolean {
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** How deployments run on this instance (docs/deploy.md, "Fleet deployments"). */
export interface DeploySettings {
  /** Targets this instance runs at the same time. */
  concurrency: number;
  /** How long a target waits for its agent while another deploy holds it, then AGENT_BUSY. */
  agentWaitMs: number;
  /** How often the runner looks for pending targets (other instances create them too). */
  pollMs: number;
  /** Upper bound for one target, whatever the host does. */
  targetTimeoutMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** On shutdown, how long running targets may finish before they are abandoned to recovery. */
  shutdownGraceMs: number;
  /** Test-only (DEPLOY_TEST_HOLD_AFTER_STEP): runs stop for good after this step's work. */
  testHoldAfterStep: string | undefined;
}

/** Health checks on this instance (docs/health.md). */
export interface HealthSettings {
  enabled: boolean;
  intervalMs: number;
  timeoutMs: number;
  /** Probes running at once on this instance. */
  concurrency: number;
  /** An instance whose heartbeat is older than this is gone; its checks move. */
  leaseMs: number;
  /** How often the desired state's revision and the instance list are looked at. */
  refreshMs: number;
  tlsWarnDays: number;
  driftIntervalMs: number;
  /** PEM file of extra CAs the TLS probe trusts (a private PKI), besides the public roots. */
  tlsCaFile: string | undefined;
  degradeAfter: number;
  downAfter: number;
  riseAfter: number;
  /** Per WebSocket client: queued bytes beyond which deltas are dropped and a resync follows. */
  wsMaxBufferBytes: number;
}

/** Typed, validated settings; injected wherever configuration is needed. */
export class AppConfig {
  readonly nodeEnv!: 'development' | 'production' | 'test';
  readonly port!: number;
  readonly host!: string;
  /** Absent: Portico runs its embedded Postgres under dataDir. */
  readonly databaseUrl!: string | undefined;
  readonly dataDir!: string;
  readonly secretKey!: string | undefined;
  /** The key `rotate-key` re-seals every secret under (PORTICO_NEW_SECRET_KEY). */
  readonly newSecretKey!: string | undefined;
  readonly adminEmail!: string | undefined;
  readonly adminPassword!: string | undefined;
  readonly webDir!: string | undefined;
  readonly redisUrl!: string | undefined;
  /** Names Portico's Redis channels; instances of one fleet share it, other fleets differ. */
  readonly redisPrefix!: string;
  readonly logLevel!: string;
  /** pretty: one readable line per event (a person at a terminal); json: one JSON object per line. */
  readonly logFormat!: 'pretty' | 'json';
  readonly sessionTtlHours!: number;
  readonly cookieSecure!: boolean;
  readonly loginAttemptsPerMinute!: number;
  /** Per account (auth/login-backoff.ts): failures before backoff, and its cap. */
  readonly loginBackoff!: { freeAttempts: number; maxBackoffMs: number };
  /** Express `trust proxy`: which peers' X-Forwarded-For/-Proto are believed. */
  readonly trustProxy!: false | number | string[];
  readonly deploy!: DeploySettings;
  /** Bearer token that GET /metrics requires; absent: the endpoint is off (404). */
  readonly metricsToken!: string | undefined;
  readonly health!: HealthSettings;
  /** How often the certificate scheduler renews and auto-issues (docs/certificates.md). */
  readonly certSchedulerIntervalMs!: number;
  /** Site doctor (docs/doctor.md): DNS servers to ask; empty means the system resolver. */
  readonly doctor!: { dnsServers: string[] };
  /** Origins besides the request's own host that may use the session cookie (lower case). */
  readonly allowedOrigins!: string[];
  /** How often live WebSockets look their credentials up again. */
  readonly wsRecheckMs!: number;
  /** Every outbound connection's allow/deny list (CIDRs), on top of the built-in deny list. */
  readonly outbound!: { deny: string[]; allow: string[] };
  /** ACME: connect and whole-request timeout for each call to the CA. */
  readonly acmeTimeoutMs!: number;

  /** `terminal`: whether stdout is a TTY, which decides the log format unless it is set. */
  static fromEnv(env: NodeJS.ProcessEnv, terminal = process.stdout.isTTY === true): AppConfig {
    const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
    const parsed = envSchema.safeParse(cleaned);
    // Checked on the raw values so that it is reported together with every other problem.
    const problems =
      (cleaned.PORTICO_ADMIN_EMAIL === undefined) !== (cleaned.PORTICO_ADMIN_PASSWORD === undefined)
        ? ['PORTICO_ADMIN_PASSWORD: PORTICO_ADMIN_EMAIL and PORTICO_ADMIN_PASSWORD must be set together']
        : [];
    if (!parsed.success) {
      problems.unshift(...parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
    }
    if (problems.length || !parsed.success) throw new ConfigError(problems);
    const e = parsed.data;
    return Object.assign(new AppConfig(), {
      nodeEnv: e.NODE_ENV,
      port: e.PORT,
      host: e.HOST,
      databaseUrl: e.DATABASE_URL,
      dataDir: e.PORTICO_DATA_DIR,
      secretKey: e.PORTICO_SECRET_KEY,
      newSecretKey: e.PORTICO_NEW_SECRET_KEY,
      adminEmail: e.PORTICO_ADMIN_EMAIL,
      adminPassword: e.PORTICO_ADMIN_PASSWORD,
      webDir: e.PORTICO_WEB_DIR,
      redisUrl: e.REDIS_URL,
      redisPrefix: e.REDIS_PREFIX,
      logLevel: e.LOG_LEVEL,
      logFormat: e.PORTICO_LOG_FORMAT ?? (terminal ? 'pretty' : 'json'),
      sessionTtlHours: e.SESSION_TTL_HOURS,
      cookieSecure: e.COOKIE_SECURE,
      loginAttemptsPerMinute: e.LOGIN_ATTEMPTS_PER_MINUTE,
      loginBackoff: {
        freeAttempts: e.LOGIN_ACCOUNT_FREE_ATTEMPTS,
        maxBackoffMs: Math.round(e.LOGIN_ACCOUNT_MAX_BACKOFF_SEC * 1000),
      },
      trustProxy: trustProxyValue(e.TRUST_PROXY),
      metricsToken: e.METRICS_TOKEN,
      deploy: {
        concurrency: e.DEPLOY_CONCURRENCY,
        agentWaitMs: e.DEPLOY_AGENT_WAIT_MS,
        pollMs: e.DEPLOY_POLL_MS,
        targetTimeoutMs: e.DEPLOY_TARGET_TIMEOUT_MS,
        connectTimeoutMs: e.DEPLOY_CONNECT_TIMEOUT_MS,
        commandTimeoutMs: e.DEPLOY_COMMAND_TIMEOUT_MS,
        shutdownGraceMs: e.DEPLOY_SHUTDOWN_GRACE_MS,
        testHoldAfterStep: e.DEPLOY_TEST_HOLD_AFTER_STEP,
      },
      health: {
        enabled: e.HEALTH_ENABLED,
        intervalMs: Math.round(e.HEALTH_INTERVAL_SEC * 1000),
        timeoutMs: Math.round(e.HEALTH_TIMEOUT_SEC * 1000),
        concurrency: e.HEALTH_CONCURRENCY,
        leaseMs: Math.round(e.HEALTH_LEASE_SEC * 1000),
        refreshMs: Math.round(e.HEALTH_REFRESH_SEC * 1000),
        tlsWarnDays: e.HEALTH_TLS_WARN_DAYS,
        driftIntervalMs: Math.round(e.HEALTH_DRIFT_INTERVAL_SEC * 1000),
        tlsCaFile: e.HEALTH_TLS_CA_FILE,
        degradeAfter: e.HEALTH_DEGRADE_AFTER,
        downAfter: e.HEALTH_DOWN_AFTER,
        riseAfter: e.HEALTH_RISE_AFTER,
        wsMaxBufferBytes: e.WS_MAX_BUFFER_KB * 1024,
      },
      certSchedulerIntervalMs: Math.round(e.CERT_SCHEDULER_INTERVAL_SEC * 1000),
      allowedOrigins: (e.ALLOWED_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim().toLowerCase())
        .filter(Boolean),
      wsRecheckMs: Math.round(e.WS_RECHECK_SEC * 1000),
      outbound: { deny: list(e.OUTBOUND_DENY), allow: list(e.OUTBOUND_ALLOW) },
      acmeTimeoutMs: Math.round(e.ACME_TIMEOUT_SEC * 1000),
      doctor: {
        dnsServers: (e.DOCTOR_DNS_SERVERS ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      },
    });
  }
}
