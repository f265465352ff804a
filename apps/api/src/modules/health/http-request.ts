import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

// One keep-alive pool per process: at thousands of checks per interval, a new TCP (and TLS)
// connection per probe would cost more CPU than the probes themselves. A broken pooled
// connection still fails the probe, and the pool reconnects on the next one.
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 4, timeout: 30_000 });
const httpsAgent = new HttpsAgent({
  keepAlive: true,
  maxSockets: 4,
  timeout: 30_000,
  rejectUnauthorized: false,
});

export interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  latencyMs: number;
}

export interface HttpAsk {
  tls: boolean;
  address: string;
  port: number;
  path: string;
  /** Host header and SNI. */
  host?: string;
  timeoutMs: number;
  /** Read at most this much of the body (Ollama's tag list); the rest is discarded. */
  maxBody?: number;
  /** Opens the connection some other way (an agent's SSH tunnel) instead of from this process. */
  open?: () => Promise<Duplex>;
}

/** `createConnection` for a request whose stream comes from `open` (TLS wrapped here when asked). */
function tunnelled(ask: HttpAsk & { open: () => Promise<Duplex> }) {
  return (_options: unknown, done: (error: Error | null, socket?: Duplex) => void) => {
    ask.open().then(
      (stream) =>
        done(
          null,
          ask.tls
            ? tlsConnect({
                socket: stream,
                servername: ask.host && !isIp(ask.host) ? ask.host : undefined,
                rejectUnauthorized: false,
              })
            : stream,
        ),
      (error: Error) => done(error),
    );
    return undefined;
  };
}

/** A GET that resolves with the answer or rejects with a short reason (connect/timeout/reset). */
export function httpGet(ask: HttpAsk): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = (ask.tls ? httpsRequest : httpRequest)(
      {
        host: ask.address,
        port: ask.port,
        path: ask.path,
        method: 'GET',
        ...(ask.open
          ? // No agent at all: with one (even agent: false) Node ignores createConnection.
            { createConnection: tunnelled({ ...ask, open: ask.open }) as never }
          : { agent: ask.tls ? httpsAgent : httpAgent }),
        servername: ask.tls && ask.host && !isIp(ask.host) ? ask.host : undefined,
        headers: { host: ask.host ?? ask.address, 'user-agent': 'portico-health/1', accept: '*/*' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const limit = ask.maxBody ?? 0;
        res.on('data', (chunk: Buffer) => {
          if (size < limit) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8').slice(0, limit),
            latencyMs: performance.now() - started,
          });
        });
        res.on('error', (error) => fail(error));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timeout after ${ask.timeoutMs} ms`));
    }, ask.timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    req.on('error', fail);
    req.end();
  });
}

export function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** "connect ECONNREFUSED 127.0.0.1:1" → kept; long stacks never reach the dashboard. */
export function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}
