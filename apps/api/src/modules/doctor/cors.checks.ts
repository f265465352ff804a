import { reason } from '../health/http-request.js';
import { siteOrigins } from '../render/site-origins.js';
import { check, type DoctorCheck } from './doctor-codes.js';
import { type DoctorAgent, type DoctorContext, siteListener } from './doctor-context.js';
import { ask } from './doctor-http.js';

// Browsers on an Open WebUI origin call Ollama directly: its OLLAMA_ORIGINS must let them.

const on = (agent: DoctorAgent, host: string, c: DoctorCheck): DoctorCheck => ({
  ...c,
  agentId: agent.spec.id,
  agentName: agent.spec.name,
  subject: host,
});

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
        ...siteListener(ctx, agent),
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
