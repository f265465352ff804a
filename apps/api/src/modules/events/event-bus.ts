import { Injectable, Logger } from '@nestjs/common';
import type { PorticoEvent } from './portico-event.js';

export type EventHandler = (event: PorticoEvent) => void;

/**
 * The one in-process event bus. Publishers never wait for consumers and a failing consumer
 * never reaches the publisher: a deploy must not stall because a dashboard is slow. Consumers
 * that need buffering or cross-instance fan-out (the gateway, Redis) do it on their side.
 */
@Injectable()
export class EventBus {
  private readonly logger = new Logger(EventBus.name);
  private readonly handlers = new Set<EventHandler>();

  publish(event: PorticoEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (error) {
        this.logger.warn({ err: error, type: event.type }, 'event consumer failed');
      }
    }
  }

  /** Returns the unsubscribe function. */
  subscribe(handler: EventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
}
