import WebSocket from 'ws';

export interface WsMessage {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever payload the gateway sent
  data: any;
}

/**
 * A dashboard-like client of /api/v1/ws that records every message, so tests can wait for
 * one matching a predicate and check the order things arrived in.
 */
export class WsClient {
  readonly messages: WsMessage[] = [];
  closeCode: number | null = null;
  private waiters: { match: (m: WsMessage) => boolean; resolve: (m: WsMessage) => void }[] = [];
  readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as WsMessage;
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static connect(
    baseUrl: string,
    options: { cookie?: string; bearer?: string; token?: string; origin?: string } = {},
  ): Promise<WsClient> {
    const url = new URL('/api/v1/ws', baseUrl.replace(/^http/, 'ws'));
    if (options.token) url.searchParams.set('token', options.token);
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    // A browser always sends its page's origin; the dashboard's is the server's own.
    const origin = options.origin ?? (options.cookie ? new URL(baseUrl).origin : undefined);
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    const socket = new WebSocket(url, { headers, origin });
    const client = new WsClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(event: string, data: unknown): void {
    this.socket.send(JSON.stringify({ event, data }));
  }

  subscribe(topic: string): void {
    this.send('subscribe', { topic });
  }

  /** The first message (already received or still to come) that matches. */
  next(match: (m: WsMessage) => boolean, timeoutMs = 15_000): Promise<WsMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching message in ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(-2000)}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}
