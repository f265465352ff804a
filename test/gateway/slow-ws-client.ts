import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { WsMessage } from './ws-client.js';

const SCRIPT = fileURLToPath(new URL('./slow_ws_client.py', import.meta.url));

/**
 * A dashboard that stops reading its socket at the TCP level (`slow_ws_client.py`: Node
 * cannot shrink SO_RCVBUF). start() resolves once it has the snapshot of every topic and has
 * stopped reading; resume() makes it read again. It records every server message in order.
 */
export class SlowWsClient {
  readonly messages: WsMessage[] = [];
  /** SO_RCVBUF as the kernel set it (Linux doubles what was asked for). */
  rcvbuf = 0;
  private stderr = '';
  private waiters: { match: (m: WsMessage) => boolean; resolve: (m: WsMessage) => void }[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    paused: () => void,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as WsMessage & { client?: string; rcvbuf?: number };
      if (parsed.client === 'connected') this.rcvbuf = parsed.rcvbuf ?? 0;
      if (parsed.client === 'paused') paused();
      if (parsed.client) return;
      this.messages.push(parsed);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(parsed)) return true;
        w.resolve(parsed);
        return false;
      });
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(baseUrl: string, token: string, topics: string[], timeoutMs = 15_000): Promise<SlowWsClient> {
    const url = new URL('/api/v1/ws', baseUrl.replace(/^http/, 'ws')).toString();
    const args = [
      SCRIPT,
      url,
      '--token',
      token,
      '--rcvbuf',
      '4096',
      ...topics.flatMap((t) => ['--topic', t]),
    ];
    const child = spawn('python3', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`the slow client did not subscribe in ${timeoutMs} ms: ${client.stderr}`));
      }, timeoutMs);
      const client: SlowWsClient = new SlowWsClient(child, () => {
        clearTimeout(timer);
        resolve(client);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the slow client exited (${code}) before it paused: ${client.stderr}`));
      });
    });
  }

  /** Reads the socket again, from where the kernel's buffers left off. */
  resume(): void {
    this.child.stdin?.write('resume\n');
  }

  /** The first message (already received or still to come) that matches. */
  next(match: (m: WsMessage) => boolean, timeoutMs = 20_000): Promise<WsMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const counts = new Map<string, number>();
        for (const m of this.messages) counts.set(m.event, (counts.get(m.event) ?? 0) + 1);
        const got = [...counts].map(([event, n]) => `${n} ${event}`).join(', ');
        reject(new Error(`no matching message in ${timeoutMs} ms; got ${got || 'nothing'}\n${this.stderr}`));
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Ends exactly this process. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    await this.exited;
  }
}
