import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIp } from '../health/http-request.js';

export interface DoctorAsk {
  tls: boolean;
  address: string;
  port: number;
  host: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
}

export interface DoctorAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds from the request to each body chunk: shows whether a response streamed. */
  chunkTimes: number[];
  totalMs: number;
}

/**
 * One request through a proxy on a fresh connection (the health probes' pool would hide a
 * connection problem behind a kept-alive socket), recording when each body chunk arrived.
 * Certificates are not verified here; the TLS checks judge them.
 */
export function ask(a: DoctorAsk): Promise<DoctorAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = (a.tls ? httpsRequest : httpRequest)(
      {
        host: a.address,
        port: a.port,
        path: a.path,
        method: a.method ?? 'GET',
        agent: false,
        rejectUnauthorized: false,
        servername: a.tls && !isIp(a.host) ? a.host : undefined,
        headers: { host: a.host, 'user-agent': 'portico-doctor/1', accept: '*/*', ...a.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const chunkTimes: number[] = [];
        res.on('data', (chunk: Buffer) => {
          chunkTimes.push(Math.round(performance.now() - started));
          if (chunks.length < 256) chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8').slice(0, 4096),
            chunkTimes,
            totalMs: Math.round(performance.now() - started),
          });
        });
        res.on('error', fail);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${a.timeoutMs} ms`)), a.timeoutMs);
    function fail(error: Error) {
      clearTimeout(timer);
      reject(error);
    }
    req.on('error', fail);
    req.end();
  });
}
