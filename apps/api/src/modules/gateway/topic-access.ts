import type { Principal } from '../auth/principal.js';
import type { Topic } from '../events/portico-event.js';

export type TopicKind = 'fleet' | 'site' | 'agent' | 'upstream' | 'deployment' | 'certificate';

export interface ParsedTopic {
  topic: Topic;
  kind: TopicKind;
  id?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KINDS = new Set<TopicKind>(['site', 'agent', 'upstream', 'deployment', 'certificate']);

/** `fleet` or `<kind>:<uuid>`; anything else is not a topic. */
export function parseTopic(raw: unknown): ParsedTopic | null {
  if (raw === 'fleet') return { topic: 'fleet', kind: 'fleet' };
  if (typeof raw !== 'string') return null;
  const [kind, id, extra] = raw.split(':');
  if (extra !== undefined || !kind || !id || !KINDS.has(kind as TopicKind) || !UUID.test(id)) return null;
  return { topic: raw as Topic, kind: kind as TopicKind, id: id.toLowerCase() };
}

/**
 * Whether the principal may watch the topic. Every topic shows desired state and its health,
 * which is what `read` grants (viewer and up); a token whose scopes leave out `read` sees
 * nothing, whatever its owner's role.
 */
export function mayWatch(principal: Principal, _topic: ParsedTopic): boolean {
  return principal.permissions.has('read');
}
