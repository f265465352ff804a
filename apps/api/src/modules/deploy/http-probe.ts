import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { SshTransport } from './ssh.transport.js';

/** One request the proxy must answer after a deploy. */
export interface HttpCheck {
  port: number;
  /** Host header (and SNI with tls), which selects the site. */
  hostHeader: string;
  path?: string;
  tls?: boolean;
  /** Listener address on the host; defaults to the host's verifyAddress. */
  address?: string;
  /** Statuses that count as answering; default: anything below 500. */
  acceptStatus?: number[];
}

export interface CheckResult {
  check: HttpCheck;
  ok: boolean;
  status?: number;
  error?: string;
}

const REQUEST_TIMEOUT_MS = 3_000;

/**
 * Sends HTTP requests to the proxy's own listener through the SSH connection (direct-tcpip):
 * it proves the host serves the site without needing curl on the host or a route from Portico
 * to the host's HTTP ports.
 */
export class HttpProbe {
  constructor(
    private readonly transport: SshTransport,
    private readonly defaultAddress: string,
  ) {}

  /** Retries each failing check until it passes or the deadline; returns the last result of each. */
  async verify(checks: HttpCheck[], timeoutMs: number): Promise<CheckResult[]> {
    const deadline = Date.now() + timeoutMs;
    return Promise.all(
      checks.map(async (check) => {
        for (;;) {
          const result = await this.once(check);
          if (result.ok || Date.now() + 200 > deadline) return result;
          await new Promise((r) => setTimeout(r, 200));
        }
      }),
    );
  }

  async once(check: HttpCheck): Promise<CheckResult> {
    const address = check.address ?? this.defaultAddress;
    let stream: Duplex;
    try {
      stream = await this.transport.openTcp(address, check.port);
    } catch (error) {
      return { check, ok: false, error: (error as Error).message };
    }
    const socket = check.tls
      ? tlsConnect({ socket: stream, servername: sni(check.hostHeader), rejectUnauthorized: false })
      : stream;
    return new Promise<CheckResult>((resolve) => {
      const req = request(
        {
          createConnection: () => socket as never,
          method: 'GET',
          path: check.path ?? '/',
          headers: { host: check.hostHeader, connection: 'close', 'user-agent': 'portico-verify' },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          res.resume();
          socket.destroy();
          const ok = check.acceptStatus ? check.acceptStatus.includes(status) : status > 0 && status < 500;
          resolve({ check, ok, status });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', (error) => {
        socket.destroy();
        resolve({ check, ok: false, error: error.message });
      });
      req.end();
    });
  }
}

/** SNI must be a DNS name: an IP literal or a wildcard host is sent without one. */
function sni(host: string): string | undefined {
  const name = host.replace(/:\d+$/, '');
  return /^[\d.]+$|:|\*/.test(name) ? undefined : name;
}
