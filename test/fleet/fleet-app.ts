import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { ApiClient } from '../support/api-client.js';
import { type AppEnv, TestApp } from '../support/test-app.js';

/** Fast polling and short waits, so a fleet test spends its time on hosts, not timers. */
export const FLEET_ENV: AppEnv = {
  DEPLOY_POLL_MS: '200',
  DEPLOY_SHUTDOWN_GRACE_MS: '2000',
  DEPLOY_CONNECT_TIMEOUT_MS: '5000',
  DEPLOY_COMMAND_TIMEOUT_MS: '30000',
  LOG_LEVEL: 'warn',
};

export interface RecordedEvent {
  type: string;
  deploymentId?: string;
  agentId?: string;
  step?: string;
  status?: string;
  message?: string;
  at: string;
}

/**
 * One Portico API instance (the built app in its own process, as `npm start` runs it) on a test
 * database, with an admin session and a dashboard-like WebSocket recording every `fleet` event.
 * Instances that share a database must share PORTICO_SECRET_KEY to open each other's sealed keys.
 */
export class FleetApp {
  readonly events: RecordedEvent[] = [];

  private constructor(
    readonly app: TestApp,
    readonly api: ApiClient,
    private readonly socket: WebSocket,
  ) {
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as { event: string; data: RecordedEvent };
      if (message.event === 'event') this.events.push(message.data);
    });
  }

  static secretKey(): string {
    return randomBytes(32).toString('hex');
  }

  /** Without a databaseUrl the instance runs on its embedded database (PGlite). */
  static async start(
    databaseUrl: string | undefined,
    secretKey: string,
    env: AppEnv = {},
  ): Promise<FleetApp> {
    const app = await TestApp.start({
      databaseUrl,
      env: { ...FLEET_ENV, PORTICO_SECRET_KEY: secretKey, ...env },
    });
    try {
      const api = await app.admin();
      const cookie = (api.credential as { cookie: string }).cookie;
      const socket = new WebSocket(`${app.baseUrl.replace(/^http/, 'ws')}/api/v1/ws`, {
        headers: { cookie },
        origin: app.baseUrl,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.on('message', (raw) => {
          const m = JSON.parse(raw.toString()) as { event: string };
          if (m.event === 'ready')
            socket.send(JSON.stringify({ event: 'subscribe', data: { topic: 'fleet' } }));
          if (m.event === 'snapshot' || m.event === 'error') resolve();
        });
      });
      return new FleetApp(app, api, socket);
    } catch (error) {
      await app.stop();
      throw error;
    }
  }

  get pid(): number {
    return this.app.pid;
  }

  /** Events of one deployment as `type[:step]:status`, in arrival order. */
  eventsOf(deploymentId: string, agentId?: string): RecordedEvent[] {
    return this.events.filter((e) => e.deploymentId === deploymentId && (!agentId || e.agentId === agentId));
  }

  /** SIGKILL: the process dies mid-whatever, like a crashed or OOM-killed instance. */
  async kill(): Promise<void> {
    this.socket.terminate();
    process.kill(this.app.pid, 'SIGKILL');
    await this.app.exited;
    await this.app.stop(); // removes its data dir
  }

  async stop(): Promise<void> {
    this.socket.terminate();
    await this.app.stop();
  }
}

/** Polls GET /deployments/:id until it is no longer pending/running. */
export async function waitForDeployment(api: ApiClient, id: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get(`/api/v1/deployments/${id}`);
    if (res.status !== 200) throw new Error(`GET deployment ${id}: ${res.status} ${res.text}`);
    if (!['pending', 'running'].includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`deployment ${id} still ${res.body.status}: ${res.text}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Polls until fn returns something truthy. */
export async function until<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
