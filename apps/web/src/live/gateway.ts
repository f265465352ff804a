import { useEffect, useRef } from 'react';

export interface LiveEvent {
  type: string;
  at: string;
  topics: string[];
  deploymentId?: string;
  agentId?: string;
  step?: string;
  status?: string;
  message?: string;
  checkKey?: string;
  subjectType?: string;
  subjectId?: string;
  outcome?: string;
  latencyMs?: number;
  certificateId?: string;
}

export type Snapshot = { topic: string; at: string; resync?: boolean } & Record<string, unknown>;

interface Handlers {
  snapshot?: (s: Snapshot) => void;
  event?: (e: LiveEvent) => void;
}

type Listener = { topic: string; handlers: { current: Handlers } };

/**
 * One WebSocket to /api/v1/ws for the whole tab (the session cookie authenticates it).
 * Components subscribe to topics (fleet, site:ID, agent:ID, deployment:ID); each gets the
 * topic's snapshot, then deltas. On a drop it reconnects with backoff and resubscribes, and the
 * fresh snapshots bring the page back in step; when the server ends it over credentials (4401,
 * 4403) the session decides what comes next.
 */
class Gateway {
  private socket: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private retry = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  add(listener: Listener): () => void {
    this.listeners.add(listener);
    if (this.socket?.readyState === WebSocket.OPEN) this.send('subscribe', listener.topic);
    else this.connect();
    return () => {
      this.listeners.delete(listener);
      if (![...this.listeners].some((l) => l.topic === listener.topic))
        this.send('unsubscribe', listener.topic);
    };
  }

  private connect(): void {
    if (this.socket || this.timer) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onmessage = (raw) => this.receive(String(raw.data));
    socket.onclose = (closed) => {
      this.socket = null;
      // The server closed it over credentials (docs/api.md): gone → sign in again; not allowed →
      // the session is read again (its role may have changed) instead of knocking in a loop.
      if (closed.code === 4401) return void window.dispatchEvent(new Event('portico:unauthenticated'));
      if (closed.code === 4403) return void window.dispatchEvent(new Event('portico:credentials'));
      if (this.listeners.size === 0) return;
      const delay = Math.min(30_000, 500 * 2 ** this.retry++);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.connect();
      }, delay);
    };
  }

  private receive(raw: string): void {
    const message = JSON.parse(raw) as { event: string; data: Record<string, unknown> };
    if (message.event === 'ready') {
      this.retry = 0;
      for (const topic of new Set([...this.listeners].map((l) => l.topic))) this.send('subscribe', topic);
    } else if (message.event === 'credentials') {
      // Narrowed in place (demoted): the session's permissions are read again.
      window.dispatchEvent(new Event('portico:credentials'));
    } else if (message.event === 'snapshot') {
      const snapshot = message.data as Snapshot;
      for (const l of this.listeners) if (l.topic === snapshot.topic) l.handlers.current.snapshot?.(snapshot);
    } else if (message.event === 'event') {
      const event = message.data as unknown as LiveEvent;
      for (const l of this.listeners) if (event.topics.includes(l.topic)) l.handlers.current.event?.(event);
    }
  }

  private send(event: string, topic: string): void {
    if (this.socket?.readyState === WebSocket.OPEN)
      this.socket.send(JSON.stringify({ event, data: { topic } }));
  }
}

const gateway = new Gateway();

/** Subscribes while mounted; handlers may change between renders without resubscribing. */
export function useTopic(topic: string | null, handlers: Handlers): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    if (!topic) return;
    return gateway.add({ topic, handlers: ref });
  }, [topic]);
}
