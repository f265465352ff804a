import type { ServiceSpec, UpstreamSpec } from '../render/fleet-state.js';
import { check, type DoctorCheck } from './doctor-codes.js';
import { type DoctorContext, isLlmUpstream, upstreamNamed } from './doctor-context.js';

// Checks on the intended setup itself: what Portico would deploy, before anything is probed.
// The renderer refuses some of these states outright (APP_TIMEOUT_EXCEEDS_PROXY,
// OPENWEBUI_PORT_MISMATCH); doctor names them too, because a refused render means the host still
// runs an older config and the site looks broken for a reason nobody sees.

/** The proxy must wait at least as long as Open WebUI waits for the model (AIOHTTP_CLIENT_TIMEOUT). */
export function proxyTimeoutChecks(ctx: DoctorContext): DoctorCheck[] {
  const read = ctx.site.readTimeoutSec;
  if (ctx.webuis.length === 0) {
    return [
      check('PROXY_TIMEOUT', 'skip', 'the site fronts no Open WebUI service', { readTimeoutSec: read }),
    ];
  }
  return ctx.webuis.map((ui) => {
    const app = ui.options.timeoutSec ?? 300;
    const evidence = { service: ui.name, readTimeoutSec: read, AIOHTTP_CLIENT_TIMEOUT: app };
    return read >= app
      ? {
          ...check('PROXY_TIMEOUT', 'pass', `read timeout ${read} s ≥ app timeout ${app} s`, evidence),
          subject: ui.name,
        }
      : {
          ...check(
            'PROXY_TIMEOUT',
            'fail',
            `proxy read timeout ${read} s is shorter than AIOHTTP_CLIENT_TIMEOUT ${app} s: long answers are cut off`,
            evidence,
            `raise the site's readTimeoutSec to at least ${app}, or lower the service's timeoutSec`,
          ),
          subject: ui.name,
        };
  });
}

/** Routes to an LLM (Open WebUI, Ollama) must stream, or tokens arrive all at once at the end. */
export function streamingIntentChecks(ctx: DoctorContext): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  for (const route of ctx.site.routes) {
    const upstream = ctx.upstreams.get(route.upstreamId);
    if (!upstream || !isLlmUpstream(ctx, upstream)) continue;
    const evidence = { route: route.pathPrefix, upstream: upstream.name, streaming: route.streaming };
    checks.push({
      ...(route.streaming
        ? check('STREAMING', 'pass', `route ${route.pathPrefix} streams (proxy buffering off)`, evidence)
        : check(
            'STREAMING',
            'fail',
            `route ${route.pathPrefix} to ${upstream.name} buffers responses: chat answers appear only when complete`,
            evidence,
            `set streaming: true on route ${route.pathPrefix}`,
          )),
      subject: route.pathPrefix,
    });
  }
  return checks;
}

/** The proxy must point at the port Docker publishes (3000 → 8080), or 8080 on the host network. */
export function dockerPortChecks(ctx: DoctorContext): DoctorCheck[] {
  if (ctx.webuis.length === 0) return [];
  return ctx.webuis.map((ui) => {
    const upstream = upstreamNamed(ctx, ui.options.upstream);
    const network = ui.options.network ?? 'bridge';
    const expected = network === 'host' ? 8080 : (ui.options.hostPort ?? 3000);
    const ports = upstream?.targets.map((t) => t.port) ?? [];
    const wrong = ports.filter((p) => p !== expected);
    const evidence = { service: ui.name, network, expectedPort: expected, upstreamPorts: ports };
    if (wrong.length === 0) {
      return {
        ...check('DOCKER_PORT', 'pass', `proxied to the published port ${expected}`, evidence),
        subject: ui.name,
      };
    }
    const hint =
      network === 'bridge' && wrong.includes(8080)
        ? `8080 is the port inside the container; Docker publishes it as ${expected}`
        : `the container listens on ${expected}`;
    return {
      ...check(
        'DOCKER_PORT',
        'fail',
        `upstream ${upstream?.name} points at port ${wrong.join(', ')}: ${hint}`,
        evidence,
        `set the upstream targets' port to ${expected} (or change the service's hostPort/network)`,
      ),
      subject: ui.name,
    };
  });
}

/** The port Open WebUI listens on inside its container, and on the host with host networking. */
const CONTAINER_PORT = 8080;

/**
 * The other port of Open WebUI's usual pair for a target of `upstream`: the published port
 * (hostPort, default 3000) for 8080 and 8080 for the published port; null for an upstream that
 * is no Open WebUI, or a port outside the pair. A target that does not answer while this one does
 * is the guide's Docker port mix-up, seen live.
 */
export function otherDockerPort(
  ctx: DoctorContext,
  upstream: UpstreamSpec,
  port: number,
): { port: number; service: ServiceSpec | null } | null {
  const service = ctx.webuis.find((w) => upstreamNamed(ctx, w.options.upstream)?.id === upstream.id) ?? null;
  if (!service && upstream.kind !== 'openwebui') return null;
  const published = service?.options.hostPort ?? 3000;
  if (published === CONTAINER_PORT) return null;
  if (port === CONTAINER_PORT) return { port: published, service };
  return port === published ? { port: CONTAINER_PORT, service } : null;
}
