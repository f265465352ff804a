import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../fixtures/ports.js';
import { ensureWebBuilt } from '../web/web-build.js';
import { ApiClient } from './api-client.js';
import { ensureBuilt, REPO_ROOT } from './built-app.js';

/** The built dashboard (what `npm start` serves): every test app serves it, as users get it. */
export const WEB_DIST = join(REPO_ROOT, 'apps/web/dist');

/** The first admin every test app is started with (PORTICO_ADMIN_EMAIL / PASSWORD). */
export const ADMIN = { email: 'admin@portico.test', password: 'first-admin-password-123' } as const;

export type AppEnv = Record<string, string | undefined>;

/**
 * How long an app may take to answer /healthz. Booting is mostly Node loading Nest and running
 * migrations, which on a loaded 2-core machine shared with other builds takes many times what it
 * takes on a quiet one; a deadline is there to catch a hang, not to time the start.
 * PORTICO_TEST_BOOT_MS raises (or lowers) it for the whole run.
 */
export const BOOT_DEADLINE_MS = Number(process.env.PORTICO_TEST_BOOT_MS) || 120_000;

/** Only what the app needs: the tests' own environment (NODE_ENV, DATABASE_URL…) never leaks in. */
function processEnv(env: AppEnv): NodeJS.ProcessEnv {
  const base: AppEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return Object.fromEntries(Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined));
}

/** Apps still running when the test process exits (a crash, a killed worker) go down with it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The built application (`node apps/api/dist/main.js`, what `npm start` runs) as a child
 * process on a free loopback port, with its stdout and stderr kept whole so tests can read the
 * structured log. stop() ends exactly this PID.
 */
export class TestApp {
  private out = '';
  private err = '';
  readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    private readonly ownedDir: string | null,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      this.out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.err += d.toString();
    });
    running.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        running.delete(child);
        resolve(code);
      }),
    );
  }

  /**
   * Starts the app and waits until /healthz answers 200. Without `databaseUrl` it runs on the
   * embedded database under `dataDir`. `env` adds or overrides settings (undefined removes one).
   * `timeoutMs` can only lengthen the boot deadline (BOOT_DEADLINE_MS), never shorten it.
   * `node` runs it on another Node.js binary than the tests' own.
   */
  static async start(
    options: { databaseUrl?: string; dataDir?: string; env?: AppEnv; timeoutMs?: number; node?: string } = {},
  ): Promise<TestApp> {
    const main = await ensureBuilt();
    await ensureWebBuilt();
    const ownedDir = options.dataDir ? null : await mkdtemp(join(tmpdir(), 'portico-app-'));
    const dataDir = options.dataDir ?? ownedDir!;
    const port = await freePort();
    const env = processEnv({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      PORTICO_DATA_DIR: dataDir,
      PORTICO_WEB_DIR: WEB_DIST,
      // Instances of one database share its master key, as a real fleet's do (a start with
      // another key is refused): derived from the database, so a restart finds the same key.
      PORTICO_SECRET_KEY: createHash('sha256')
        .update(options.databaseUrl ?? dataDir)
        .digest('hex'),
      PORTICO_ADMIN_EMAIL: ADMIN.email,
      PORTICO_ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'info',
      ...options.env,
    });
    const child = spawn(options.node ?? process.execPath, [main], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new TestApp(child, `http://127.0.0.1:${port}`, ownedDir);
    await app.waitHealthy(Math.max(options.timeoutMs ?? 0, BOOT_DEADLINE_MS));
    return app;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Everything the process wrote to stdout (pino's JSON lines and console output). */
  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A client without credentials. */
  client(): ApiClient {
    return new ApiClient(this.baseUrl);
  }

  /** A client logged in as the first admin. */
  admin(): Promise<ApiClient> {
    return this.client().login(ADMIN.email, ADMIN.password);
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        throw new Error(
          `the app exited (${this.child.exitCode}) before it was healthy:\n${this.out}\n${this.err}`,
        );
      }
      const status = await fetch(`${this.baseUrl}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`the app was not healthy after ${timeoutMs} ms:\n${this.out}\n${this.err}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM (graceful shutdown), SIGKILL after a grace period; resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.ownedDir) await rm(this.ownedDir, { recursive: true, force: true });
    return this.exited;
  }
}

/** Runs the built app to completion (it is expected to exit, e.g. on a bad configuration). */
export async function runAppToExit(
  env: AppEnv,
  timeoutMs = BOOT_DEADLINE_MS,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const main = await ensureBuilt();
  const child = spawn(process.execPath, [main], {
    cwd: REPO_ROOT,
    env: processEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
