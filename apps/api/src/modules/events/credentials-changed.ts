import type { CredentialsEvent } from './portico-event.js';

/** The event every door that revokes, ends or narrows credentials publishes after its commit. */
export function credentialsChanged(userId: string, reason: CredentialsEvent['reason']): CredentialsEvent {
  return { type: 'credentials.changed', userId, reason, at: new Date().toISOString(), topics: [] };
}
