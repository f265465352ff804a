import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProbeResult, ProbeSpec } from './health-check.js';
import { httpGet, reason } from './http-request.js';

type Spec<K extends ProbeSpec['kind']> = Extract<ProbeSpec, { kind: K }>;

const since = (t: number) => Math.round(performance.now() - t);

/**
 * An upstream target: reachable (TCP) and answering HTTP below 500. Ollama must list its
 * models at /api/tags, which is what Open WebUI asks first. `stage` says which step failed.
 */
export async function probeUpstream(
  p: Spec<'upstream-http'>,
  timeoutMs: number,
  open?: () => Promise<Duplex>,
  /** The checked address to connect to (common/outbound); the Host header keeps the name. */
  address = p.host,
): Promise<ProbeResult> {
  const t = performance.now();
  try {
    const res = await httpGet({
      open,
      tls: p.scheme === 'https',
      address,
      host: address === p.host ? undefined : p.host,
      port: p.port,
      path: p.path,
      timeoutMs,
      maxBody: p.ollama ? 1 << 20 : 0,
    });
    if (res.status >= 500) {
      return {
        outcome: 'fail',
        latencyMs: since(t),
        message: `HTTP ${res.status}`,
        detail: { stage: 'http', status: res.status },
      };
    }
    if (p.ollama) {
      const models = parseModels(res.body);
      if (res.status !== 200 || models === null) {
        return {
          outcome: 'fail',
          latencyMs: since(t),
          message: 'no model list at /api/tags',
          detail: { stage: 'ollama', status: res.status },
        };
      }
      return {
        outcome: 'ok',
        latencyMs: since(t),
        message: `${models} models`,
        detail: { stage: 'ollama', status: 200, models },
      };
    }
    if (res.latencyMs > timeoutMs / 2) {
      return {
        outcome: 'warn',
        latencyMs: since(t),
        message: `slow: ${Math.round(res.latencyMs)} ms`,
        detail: { stage: 'http', status: res.status },
      };
    }
    return {
      outcome: 'ok',
      latencyMs: since(t),
      message: `HTTP ${res.status}`,
      detail: { stage: 'http', status: res.status },
    };
  } catch (error) {
    const message = reason(error);
    const stage = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN/.test(message)
      ? 'connect'
      : 'http';
    return { outcome: 'fail', latencyMs: since(t), message, detail: { stage } };
  }
}

function parseModels(body: string): number | null {
  try {
    const parsed = JSON.parse(body) as { models?: unknown };
    return Array.isArray(parsed.models) ? parsed.models.length : null;
  } catch {
    return null;
  }
}

/**
 * TCP connect; with `banner` the first line must start with it (sshd sends "SSH-2.0-…" before
 * any authentication, so this proves sshd, not just an open port, without a key).
 */
export function probeTcp(
  address: string,
  port: number,
  timeoutMs: number,
  banner?: string,
): Promise<ProbeResult> {
  const t = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let settled = false;
    let received = '';
    const done = (result: Omit<ProbeResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, latencyMs: since(t) });
    };
    const timer = setTimeout(
      () => done({ outcome: 'fail', message: `timeout after ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => {
      if (!banner) done({ outcome: 'ok', message: `port ${port} accepts connections` });
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const line = received.split('\n')[0] ?? '';
      if (received.includes('\n') || received.length >= 255) {
        if (banner && line.startsWith(banner))
          done({ outcome: 'ok', message: line.trim(), detail: { banner: line.trim() } });
        else done({ outcome: 'fail', message: `unexpected banner: ${line.trim().slice(0, 80)}` });
      }
    });
    socket.once('error', (error) => done({ outcome: 'fail', message: reason(error) }));
    socket.once('close', () => done({ outcome: 'fail', message: 'connection closed before a banner' }));
  });
}

export const probeAgentSsh = (p: Spec<'agent-ssh'>, timeoutMs: number) =>
  probeTcp(p.address, p.port, timeoutMs, 'SSH-');
/**
 * A refused connection means nothing listens on the proxy's port: the proxy is not running, which
 * is `down`, not a blip to damp (`conclusive`). A timeout may be a busy host and is damped as usual.
 */
export const probeAgentProxy = async (p: Spec<'agent-proxy'>, timeoutMs: number): Promise<ProbeResult> => {
  const result = await probeTcp(p.address, p.port, timeoutMs);
  return result.outcome === 'fail' && /ECONNREFUSED/.test(result.message)
    ? { ...result, message: `the proxy is not running: ${result.message}`, conclusive: true }
    : result;
};
