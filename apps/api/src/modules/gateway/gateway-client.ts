import type { Principal } from '../auth/principal.js';
import type { Topic } from '../events/portico-event.js';

/** The part of a `ws` socket a client needs; tests hand in a fake. */
export interface Socket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
}

const OPEN = 1;

/**
 * One dashboard connection: who it is, what it watches, and its own bounded send buffer. A
 * client that does not read fast enough loses deltas (never blocks others); once its buffer
 * has drained it is told `resync` and gets fresh snapshots of everything it watches.
 */
export class GatewayClient {
  readonly topics = new Set<Topic>();
  /** Topics whose snapshot is being read: deltas for them wait here, in order. */
  private readonly held = new Map<Topic, string[]>();
  private resyncTimer: NodeJS.Timeout | null = null;
  dropped = 0;

  constructor(
    readonly socket: Socket,
    /** Replaced when the user's credentials narrow (a demotion) while the socket is open. */
    public principal: Principal,
    private readonly maxBufferBytes: number,
    /** Sends fresh snapshots of the given topics (after an overflow). */
    private readonly resync: (client: GatewayClient, topics: Topic[]) => Promise<void>,
  ) {}

  get resyncing(): boolean {
    return this.resyncTimer !== null;
  }

  /** Delivers one serialized event that matched `topic`. */
  deliver(payload: string, topic: Topic): void {
    const held = this.held.get(topic);
    if (held) {
      held.push(payload);
      return;
    }
    this.send(payload);
  }

  /** Sends now unless the client is behind; then drops and schedules a resync. */
  send(payload: string): void {
    if (this.socket.readyState !== OPEN) return;
    if (this.resyncTimer) {
      this.dropped++;
      return;
    }
    if (this.socket.bufferedAmount > this.maxBufferBytes) {
      this.dropped++;
      this.startResync();
      return;
    }
    this.socket.send(payload);
  }

  /** While a snapshot of `topic` is read, deltas for it are held, then sent after it. */
  hold(topic: Topic): void {
    this.held.set(topic, []);
  }

  release(topic: Topic): void {
    const held = this.held.get(topic) ?? [];
    this.held.delete(topic);
    for (const payload of held) this.send(payload);
  }

  close(): void {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = null;
  }

  private startResync(): void {
    this.resyncTimer = setInterval(() => {
      if (this.socket.readyState !== OPEN) return this.close();
      if (this.socket.bufferedAmount > this.maxBufferBytes / 4) return;
      this.close();
      const dropped = this.dropped;
      this.dropped = 0;
      this.socket.send(JSON.stringify({ event: 'resync', data: { dropped } }));
      void this.resync(this, [...this.topics]);
    }, 50);
    this.resyncTimer.unref?.();
  }
}
