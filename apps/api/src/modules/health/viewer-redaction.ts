import type { HealthItem } from './health-queries.js';

/** Socket-level failures: refused, timed out, reset, unresolvable, wrong banner. */
const SOCKET_ERROR =
  /ECONN|EHOST|ENETUNREACH|EPIPE|ENOTFOUND|EAI_AGAIN|timeout|timed out|socket hang up|closed before|reset|banner|cannot resolve/i;

/**
 * What a viewer (no `write` permission) reads of a failed probe: "unreachable", not the socket
 * error. "ECONNREFUSED" against "timeout" tells which ports of which hosts are open, which is a
 * port scan by health check for anyone who can read the dashboard. Operators and admins, who fix
 * what fails, keep the detail (docs/health.md). HTTP statuses and policy refusals stay readable.
 */
export function messageForViewers(message: string): string {
  return SOCKET_ERROR.test(message) ? 'unreachable' : message;
}

function detailForViewers(detail: unknown): unknown {
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return detail;
  const d = detail as Record<string, unknown>;
  return typeof d.message === 'string' ? { ...d, message: messageForViewers(d.message) } : detail;
}

export function itemForViewers(item: HealthItem): HealthItem {
  return {
    ...item,
    detail: detailForViewers(item.detail),
    latest: item.latest ? { ...item.latest, message: messageForViewers(item.latest.message) } : null,
  };
}

export function eventForViewers<E extends { detail: unknown }>(event: E): E {
  return { ...event, detail: detailForViewers(event.detail) };
}

/** A health event as a viewer's socket gets it (the same rule as GET /health/events). */
export function healthEventForViewers<E extends { type: string; message?: string; detail?: unknown }>(
  event: E,
): E {
  if (!event.type.startsWith('health.')) return event;
  return {
    ...event,
    ...(event.message === undefined ? {} : { message: messageForViewers(event.message) }),
    detail: detailForViewers(event.detail),
  };
}

/** A topic snapshot as a viewer's socket gets it: its health items read as states. */
export function snapshotForViewers(snapshot: Record<string, unknown>): Record<string, unknown> {
  const health = snapshot.health;
  return Array.isArray(health)
    ? { ...snapshot, health: (health as HealthItem[]).map(itemForViewers) }
    : snapshot;
}

/** Whether the principal reads probe detail (operators and admins fix what fails). */
export function seesProbeDetail(permissions: ReadonlySet<string>): boolean {
  return permissions.has('write');
}
