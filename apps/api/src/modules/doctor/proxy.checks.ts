import { reason } from '../health/http-request.js';
import { probeSiteWebsocket } from '../health/site-probes.js';
import { check, type DoctorCheck, type DoctorStatus } from './doctor-codes.js';
import { type DoctorAgent, type DoctorContext, siteListener } from './doctor-context.js';
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
  if (ctx.tls) checks.push(await redirectCheck(agent, host, ctx.site.httpsRedirect, timeoutMs));
  return checks;
}

/**
 * With TLS, port 80 should send every request to the same URI on https. A site with the redirect
 * turned off still works, in plain text: a warning. Otherwise a temporary redirect is a warning
 * (browsers do not remember it) and anything else a failure.
 */
async function redirectCheck(
  agent: DoctorAgent,
  host: string,
  redirectOn: boolean,
  timeoutMs: number,
): Promise<DoctorCheck> {
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
    const evidence = { status: res.status, location, expected, httpsRedirect: redirectOn };
    const v = redirectVerdict(res.status, location, expected, redirectOn, host);
    return on(agent, host, check('HTTP_REDIRECT', v.status, v.message, evidence, v.remediation));
  } catch (error) {
    return on(agent, host, check('HTTP_REDIRECT', 'fail', reason(error), { expected }, 'open port 80'));
  }
}

/** What port 80's answer means for HTTP_REDIRECT, given what the site asks for. */
export function redirectVerdict(
  status: number,
  location: string,
  expected: string,
  redirectOn: boolean,
  host: string,
): { status: DoctorStatus; message: string; remediation: string | null } {
  if ([301, 308].includes(status) && location === expected)
    return { status: 'pass', message: `${status} → ${location}`, remediation: null };
  if (!redirectOn)
    return {
      status: 'warn',
      message: `httpsRedirect is off: port 80 answers HTTP ${status}${location ? ` → ${location}` : ''} in plain text`,
      remediation: 'turn httpsRedirect on for the site and redeploy, so browsers move to HTTPS',
    };
  // The site asks for a redirect, so Portico rendered one: something on the host answers instead.
  const remediation = `Portico deploys a 301 for this site: look for a hand edit (CONFIG_DRIFT) or another port-80 server for ${host}, then redeploy`;
  if ([302, 307].includes(status) && location === expected)
    return {
      status: 'warn',
      message: `temporary redirect ${status}: browsers and search engines will not remember it`,
      remediation,
    };
  return {
    status: 'fail',
    message: location
      ? `redirects to ${location}, not the same URI on https`
      : `no redirect to HTTPS (HTTP ${status})`,
    remediation,
  };
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
  const path = '/ws/socket.io/?EIO=4&transport=websocket';
  const result = await probeSiteWebsocket(
    { kind: 'site-websocket', ...siteListener(ctx, agent), host, path },
    timeoutMs,
  );
  const evidence = { path, websocketEnabled: ctx.site.websocket, ...result.detail };
  if (result.outcome === 'ok')
    return on(agent, host, check('WS_UPGRADE', 'pass', 'upgrade answered 101', evidence));
  // 502-504 is the proxy saying the app does not answer: blaming the proxy's headers would send
  // people to the wrong place.
  const status = Number(result.detail?.status ?? 0);
  const appDown = ctx.site.websocket && status >= 502 && status <= 504;
  const remediation = appDown
    ? 'make the upstream answer (see UPSTREAM_FROM_AGENT); WebSocket works through the proxy once it does'
    : ctx.site.websocket
      ? 'the proxy does not pass Upgrade/Connection headers: check for a hand-edited config (CONFIG_DRIFT) or a proxy in front'
      : 'set websocket: true on the site and redeploy';
  const message = appDown
    ? `upgrade answered HTTP ${status}: the app behind the proxy does not answer`
    : `${result.message}: Open WebUI shows "Server Connection Error" without WebSocket`;
  return on(agent, host, check('WS_UPGRADE', 'fail', message, evidence, remediation));
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
    const res = await ask({ ...siteListener(ctx, agent), host, path, timeoutMs });
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
