import { z } from 'zod';

// Every setting Portico reads from the environment, validated once at boot. A bad start
// reports every problem at once instead of failing on the first one.

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A duration in milliseconds, at most a day. */
const ms = z.coerce.number().int().min(0).max(86_400_000);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(?:ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  PORTICO_DATA_DIR: z.string().min(1).default('./data'),
  PORTICO_SECRET_KEY: z
    .string()
    .refine((k) => /^[0-9a-f]{64}$/i.test(k) || Buffer.from(k, 'base64').length === 32, {
      message: 'must be 32 bytes as 64 hex characters or base64',
    })
    .optional(),
  PORTICO_ADMIN_EMAIL: z.email('must be an email address').optional(),
  PORTICO_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  PORTICO_WEB_DIR: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// URL')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(12),
  COOKIE_SECURE: bool.default(false),
  LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
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
  WS_MAX_BUFFER_KB: z.coerce.number().int().min(1).max(1_048_576).default(1_024),
});

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
  readonly adminEmail!: string | undefined;
  readonly adminPassword!: string | undefined;
  readonly webDir!: string | undefined;
  readonly redisUrl!: string | undefined;
  /** Names Portico's Redis channels; instances of one fleet share it, other fleets differ. */
  readonly redisPrefix!: string;
  readonly logLevel!: string;
  readonly sessionTtlHours!: number;
  readonly cookieSecure!: boolean;
  readonly loginAttemptsPerMinute!: number;
  readonly deploy!: DeploySettings;
  /** Bearer token that GET /metrics requires; absent: the endpoint is off (404). */
  readonly metricsToken!: string | undefined;
  readonly health!: HealthSettings;
  /** How often the certificate scheduler renews and auto-issues (docs/certificates.md). */
  readonly certSchedulerIntervalMs!: number;
  /** Site doctor (docs/doctor.md): DNS servers to ask; empty means the system resolver. */
  readonly doctor!: { dnsServers: string[] };

  static fromEnv(env: NodeJS.ProcessEnv): AppConfig {
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
      adminEmail: e.PORTICO_ADMIN_EMAIL,
      adminPassword: e.PORTICO_ADMIN_PASSWORD,
      webDir: e.PORTICO_WEB_DIR,
      redisUrl: e.REDIS_URL,
      redisPrefix: e.REDIS_PREFIX,
      logLevel: e.LOG_LEVEL,
      sessionTtlHours: e.SESSION_TTL_HOURS,
      cookieSecure: e.COOKIE_SECURE,
      loginAttemptsPerMinute: e.LOGIN_ATTEMPTS_PER_MINUTE,
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
      doctor: {
        dnsServers: (e.DOCTOR_DNS_SERVERS ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      },
    });
  }
}
