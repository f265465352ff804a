import { z } from 'zod';

// Every setting Portico reads from the environment, validated once at boot. A bad start
// reports every problem at once instead of failing on the first one.

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const envSchema = z
  .object({
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
  })
  .superRefine((env, ctx) => {
    if ((env.PORTICO_ADMIN_EMAIL === undefined) !== (env.PORTICO_ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['PORTICO_ADMIN_PASSWORD'],
        message: 'PORTICO_ADMIN_EMAIL and PORTICO_ADMIN_PASSWORD must be set together',
      });
    }
  });

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
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
  readonly logLevel!: string;
  readonly sessionTtlHours!: number;
  readonly cookieSecure!: boolean;
  readonly loginAttemptsPerMinute!: number;

  static fromEnv(env: NodeJS.ProcessEnv): AppConfig {
    const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
    const parsed = envSchema.safeParse(cleaned);
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
    }
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
      logLevel: e.LOG_LEVEL,
      sessionTtlHours: e.SESSION_TTL_HOURS,
      cookieSecure: e.COOKIE_SECURE,
      loginAttemptsPerMinute: e.LOGIN_ATTEMPTS_PER_MINUTE,
    });
  }
}
