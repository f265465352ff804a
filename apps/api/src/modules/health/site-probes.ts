import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates, connect as tlsConnect } from 'node:tls';
import type { ProbeResult, ProbeSpec } from './health-check.js';
import { httpGet, isIp, reason } from './http-request.js';

type Spec<K extends ProbeSpec['kind']> = Extract<ProbeSpec, { kind: K }>;

const since = (t: number) => Math.round(performance.now() - t);

/** The site answers through the proxy: below 500 (or one of `expect`), in time. */
export async function probeSiteHttp(p: Spec<'site-http'>, timeoutMs: number): Promise<ProbeResult> {
  const t = performance.now();
  try {
    const res = await httpGet({
      tls: p.tls,
      address: p.address,
      port: p.port,
      path: p.path,
      host: p.host,
      timeoutMs,
    });
    const good = p.expect.length ? p.expect.includes(res.status) : res.status < 500;
    const detail = { status: res.status };
    if (!good) return { outcome: 'fail', latencyMs: since(t), message: `HTTP ${res.status}`, detail };
    if (res.latencyMs > timeoutMs / 2) {
      return {
        outcome: 'warn',
        latencyMs: since(t),
        message: `slow: ${Math.round(res.latencyMs)} ms`,
        detail,
      };
    }
    return { outcome: 'ok', latencyMs: since(t), message: `HTTP ${res.status}`, detail };
  } catch (error) {
    return { outcome: 'fail', latencyMs: since(t), message: reason(error) };
  }
}

/** Plain HTTP must send browsers to https://<host>. */
export async function probeSiteRedirect(p: Spec<'site-redirect'>, timeoutMs: number): Promise<ProbeResult> {
  const t = performance.now();
  try {
    const res = await httpGet({
      tls: false,
      address: p.address,
      port: p.port,
      path: '/',
      host: p.host,
      timeoutMs,
    });
    const location = String(res.headers.location ?? '');
    const detail = { status: res.status, location };
    if ([301, 302, 307, 308].includes(res.status) && location.startsWith(`https://${p.host}`)) {
      return { outcome: 'ok', latencyMs: since(t), message: `${res.status} → ${location}`, detail };
    }
    return {
      outcome: 'fail',
      latencyMs: since(t),
      message: `no redirect to HTTPS (HTTP ${res.status})`,
      detail,
    };
  } catch (error) {
    return { outcome: 'fail', latencyMs: since(t), message: reason(error) };
  }
}

/** A WebSocket handshake through the proxy must get 101 Switching Protocols. */
export function probeSiteWebsocket(p: Spec<'site-websocket'>, timeoutMs: number): Promise<ProbeResult> {
  const t = performance.now();
  return new Promise((resolve) => {
    const done = (result: Omit<ProbeResult, 'latencyMs'>) => {
      clearTimeout(timer);
      resolve({ ...result, latencyMs: since(t) });
    };
    const req = (p.tls ? httpsRequest : httpRequest)({
      host: p.address,
      port: p.port,
      path: p.path,
      agent: false,
      rejectUnauthorized: false,
      servername: p.tls && !isIp(p.host) ? p.host : undefined,
      headers: {
        host: p.host,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'user-agent': 'portico-health/1',
      },
    });
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      done({ outcome: 'ok', message: 'HTTP 101', detail: { status: res.statusCode } });
    });
    req.on('response', (res) => {
      res.resume();
      req.destroy();
      done({
        outcome: 'fail',
        message: `upgrade refused: HTTP ${res.statusCode}`,
        detail: { status: res.statusCode },
      });
    });
    req.on('error', (error) => done({ outcome: 'fail', message: reason(error) }));
    req.end();
  });
}

/** Certificate presented for the hostname: trusted, matching, and days left. */
export function probeSiteTls(
  p: Spec<'site-tls'>,
  timeoutMs: number,
  warnDays: number,
  extraCa?: string,
): Promise<ProbeResult> {
  const t = performance.now();
  return new Promise((resolve) => {
    const done = (result: Omit<ProbeResult, 'latencyMs'>) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, latencyMs: since(t) });
    };
    const socket = tlsConnect({
      host: p.address,
      port: p.port,
      servername: isIp(p.host) ? undefined : p.host,
      rejectUnauthorized: false,
      ca: extraCa ? [...rootCertificates, extraCa] : undefined,
    });
    const timer = setTimeout(
      () => done({ outcome: 'fail', message: `timeout after ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      if (!cert) return done({ outcome: 'fail', message: 'no certificate' });
      const daysLeft = Math.floor((Date.parse(cert.validTo) - Date.now()) / 86_400_000);
      const hostnameMatch = cert.checkHost(p.host) !== undefined;
      const trusted = socket.authorized;
      const detail = {
        daysLeft,
        notAfter: new Date(cert.validTo).toISOString(),
        hostnameMatch,
        trusted,
        authorizationError: trusted ? undefined : String(socket.authorizationError ?? ''),
        subject: cert.subject,
      };
      if (daysLeft < 0) return done({ outcome: 'fail', message: 'certificate expired', detail });
      if (!hostnameMatch)
        return done({ outcome: 'fail', message: `certificate does not name ${p.host}`, detail });
      if (!trusted)
        return done({ outcome: 'fail', message: `untrusted: ${detail.authorizationError}`, detail });
      if (daysLeft < warnDays)
        return done({ outcome: 'warn', message: `certificate expires in ${daysLeft} days`, detail });
      return done({ outcome: 'ok', message: `${daysLeft} days left`, detail });
    });
    socket.once('error', (error) => done({ outcome: 'fail', message: reason(error) }));
  });
}
