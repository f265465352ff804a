import { reason } from '../health/http-request.js';
import { probeSiteWebsocket } from '../health/site-probes.js';
import { siteOrigins } from '../render/site-origins.js';
import { check, type DoctorCheck } from './doctor-codes.js';
import type { DoctorAgent, DoctorContext } from './doctor-context.js';
import { ask } from './doctor-http.js';

// Checks sent from Portico through each agent's proxy, with the site's Host header (and SNI).

const on = (agent: DoctorAgent, host: string, c: DoctorCheck): DoctorCheck => ({
  ...c,
  agentId: agent.spec.id,
  agentName: agent.spec.name,
  subject: host,
});

/** Port 80 (and 443) answer at all; with a redirect, port 80 sends the same URI to https. */
export async function reachabilityChecks(
  ctx: DoctorContext,
  agent: DoctorAgent,
  host: string,
  timeoutMs: number,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const ports = ctx.tls ? [agent.httpPort, agent.httpsPort] : [agent.httpPort];
  for (const port of ports) {
    const tls = port === agent.httpsPort && ctx.tls;
    const where = `${tls ? 'https' : 'http'}://${agent.address}:${port}`;
    try {
      const res = await ask({ tls, address: agent.address, port, host, path: '/', timeoutMs });
      const evidence = { url: where, status: res.status };
      checks.push(
        on(
          agent,
          host,
          // The port is reachable whatever the app says; a failing app is UPSTREAM_FROM_AGENT's verdict.
          check(
            'HTTP_REACHABLE',
            'pass',
            `${where} answers HTTP ${res.status}${res.status >= 502 && res.status <= 504 ? ' (the app behind it does not: see UPSTREAM_FROM_AGENT)' : ''}`,
            evidence,
          ),
        ),
      );
    } catch (error) {
      checks.push(
        on(
          agent,
          host,
          check(
            'HTTP_REACHABLE',
            'fail',
            `${where}: ${reason(error)}`,
            { url: where, error: reason(error) },
            `open port ${port} on ${agent.address} (firewall, security group) and check the proxy runs`,
          ),
        ),
      );
    }
  }
  if (ctx.tls && ctx.site.httpsRedirect) checks.push(await redirectCheck(agent, host, timeoutMs));
  return checks;
}

async function redirectCheck(agent: DoctorAgent, host: string, timeoutMs: number): Promise<DoctorCheck> {
  const path = '/portico-doctor/a%20b?q=1&r=x%2Fy';
  const port = agent.httpsPort === 443 ? '' : `:${agent.httpsPort}`;
  const expected = `https://${host}${port}${path}`;
  try {
    const res = await ask({
      tls: false,
      address: agent.address,
      port: agent.httpPort,
      host,
      path,
      timeoutMs,
    });
    const location = String(res.headers.location ?? '');
    const evidence = { status: res.status, location, expected };
    if ([301, 308].includes(res.status) && location === expected)
      return on(agent, host, check('HTTP_REDIRECT', 'pass', `${res.status} → ${location}`, evidence));
    const remediation =
      'turn httpsRedirect on for the site and redeploy; a hand-written port-80 server may be winning';
    if ([302, 307].includes(res.status) && location === expected)
      return on(
        agent,
        host,
        check('HTTP_REDIRECT', 'warn', `temporary redirect ${res.status}`, evidence, remediation),
      );
    return on(
      agent,
      host,
      check(
        'HTTP_REDIRECT',
        'fail',
        location
          ? `redirects to ${location}, not the same URI on https`
          : `no redirect to HTTPS (HTTP ${res.status})`,
        evidence,
        remediation,
      ),
    );
  } catch (error) {
    return on(agent, host, check('HTTP_REDIRECT', 'fail', reason(error), { expected }, 'open port 80'));
  }
}

/** The guide's `wscat -c wss://…`: an upgrade through the proxy answers 101. Open WebUI needs it. */
export async function websocketCheck(
  ctx: DoctorContext,
  agent: DoctorAgent,
  host: string,
  timeoutMs: number,
): Promise<DoctorCheck | null> {
  // Only Open WebUI is known to need WebSocket: another app that refuses an upgrade is no proxy fault.
  const required = ctx.webuis.length > 0 || [...ctx.upstreams.values()].some((u) => u.kind === 'openwebui');
  if (!required) return null;
  const tls = ctx.tls;
  const path = '/ws/socket.io/?EIO=4&transport=websocket';
  const result = await probeSiteWebsocket(
    {
      kind: 'site-websocket',
      address: agent.address,
      port: tls ? agent.httpsPort : agent.httpPort,
      tls,
      host,
      path,
    },
    timeoutMs,
  );
  const evidence = { path, websocketEnabled: ctx.site.websocket, ...result.detail };
  if (result.outcome === 'ok')
    return on(agent, host, check('WS_UPGRADE', 'pass', 'upgrade answered 101', evidence));
  return on(
    agent,
    host,
    check(
      'WS_UPGRADE',
      'fail',
      `${result.message}: Open WebUI shows "Server Connection Error" without WebSocket`,
      evidence,
      ctx.site.websocket
        ? 'the proxy does not pass Upgrade/Connection headers: check for a hand-edited config (CONFIG_DRIFT) or a proxy in front'
        : 'set websocket: true on the site and redeploy',
    ),
  );
}

/**
 * A streamed answer through the proxy arrives in pieces over time; a buffered one arrives in
 * one burst at the end. Needs a path on the app that streams (`streamPath` in the request).
 */
export async function streamingProbe(
  ctx: DoctorContext,
  agent: DoctorAgent,
  host: string,
  path: string,
  timeoutMs: number,
): Promise<DoctorCheck> {
  try {
    const res = await ask({
      tls: ctx.tls,
      address: agent.address,
      port: ctx.tls ? agent.httpsPort : agent.httpPort,
      host,
      path,
      timeoutMs,
    });
    const first = res.chunkTimes[0] ?? res.totalMs;
    const last = res.chunkTimes.at(-1) ?? res.totalMs;
    const evidence = {
      path,
      status: res.status,
      chunks: res.chunkTimes.length,
      firstChunkMs: first,
      lastChunkMs: last,
    };
    if (res.status >= 400)
      return on(
        agent,
        host,
        check(
          'STREAMING',
          'warn',
          `${path} answered HTTP ${res.status}`,
          evidence,
          'give a streamPath that streams',
        ),
      );
    // Incremental: the first piece came well before the last one.
    if (res.chunkTimes.length >= 2 && last - first >= Math.max(200, (last * 2) / 5))
      return on(
        agent,
        host,
        check('STREAMING', 'pass', `${res.chunkTimes.length} chunks over ${last - first} ms`, evidence),
      );
    return on(
      agent,
      host,
      check(
        'STREAMING',
        'fail',
        `the answer arrived in one burst after ${last} ms: the proxy buffers it`,
        evidence,
        'set streaming: true on the route (proxy_buffering off / flushpackets=on) and redeploy',
      ),
    );
  } catch (error) {
    return on(
      agent,
      host,
      check('STREAMING', 'fail', reason(error), { path }, 'the proxy did not answer the stream'),
    );
  }
}

/** Origins the Ollama behind this site must allow: the sites that front it and the UIs that use it. */
export function expectedOrigins(ctx: DoctorContext): string[] {
  const ollamaUpstreams = [...ctx.upstreams.values()].filter(
    (u) => u.kind === 'ollama' || ctx.ollamas.some((o) => o.options.upstream === u.name),
  );
  if (ollamaUpstreams.length === 0) return [];
  const names = new Set(ollamaUpstreams.map((u) => u.name));
  const ids = new Set(ollamaUpstreams.map((u) => u.id));
  const sites = ctx.state.sites.filter((s) => s.routes.some((r) => ids.has(r.upstreamId)));
  for (const ui of ctx.state.services) {
    if (ui.kind !== 'openwebui' || !names.has(String(ui.options.ollamaUpstream))) continue;
    const own = ctx.state.upstreams.find((u) => u.name === ui.options.upstream);
    if (own) sites.push(...ctx.state.sites.filter((s) => s.routes.some((r) => r.upstreamId === own.id)));
  }
  const extra = ctx.ollamas.flatMap((o) => o.options.extraOrigins ?? []);
  return [...new Set([...sites.flatMap(siteOrigins), ...extra])].sort();
}

/** A browser preflight from each UI origin to the Ollama site must be allowed (OLLAMA_ORIGINS). */
export async function corsChecks(
  ctx: DoctorContext,
  agent: DoctorAgent,
  host: string,
  timeoutMs: number,
): Promise<DoctorCheck[]> {
  const origins = expectedOrigins(ctx);
  if (origins.length === 0) return [];
  const refused: { origin: string; status: number; allowOrigin: string | null }[] = [];
  const allowed: string[] = [];
  for (const origin of origins) {
    try {
      const res = await ask({
        tls: ctx.tls,
        address: agent.address,
        port: ctx.tls ? agent.httpsPort : agent.httpPort,
        host,
        path: '/api/tags',
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
        timeoutMs,
      });
      const allowOrigin = res.headers['access-control-allow-origin'];
      const ok = res.status < 400 && (allowOrigin === origin || allowOrigin === '*');
      if (ok) allowed.push(origin);
      else
        refused.push({
          origin,
          status: res.status,
          allowOrigin: allowOrigin === undefined ? null : String(allowOrigin),
        });
    } catch (error) {
      refused.push({ origin, status: 0, allowOrigin: reason(error) });
    }
  }
  const evidence = { expected: origins, allowed, refused };
  return [
    on(
      agent,
      host,
      refused.length === 0
        ? check('CORS_ORIGINS', 'pass', `preflight allowed for ${allowed.length} origin(s)`, evidence)
        : check(
            'CORS_ORIGINS',
            'fail',
            `Ollama refuses the preflight from ${refused.map((r) => r.origin).join(', ')}`,
            evidence,
            `add ${refused.map((r) => r.origin).join(',')} to OLLAMA_ORIGINS (deploy the ollama service through Portico, or set extraOrigins) and restart Ollama`,
          ),
    ),
  ];
}
