import { describe, expect, it } from '@jest/globals';
import { EventBus } from './event-bus.js';
import type { PorticoEvent } from './portico-event.js';

const event: PorticoEvent = {
  type: 'deployment.started',
  deploymentId: 'd1',
  status: 'running',
  at: new Date(0).toISOString(),
  topics: ['fleet', 'deployment:d1'],
};

describe('EventBus', () => {
  it('delivers to every subscriber until it unsubscribes', () => {
    const bus = new EventBus();
    const a: PorticoEvent[] = [];
    const b: PorticoEvent[] = [];
    const stopA = bus.subscribe((e) => a.push(e));
    bus.subscribe((e) => b.push(e));
    bus.publish(event);
    stopA();
    bus.publish(event);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(2);
  });

  it('keeps a failing consumer away from the publisher and the other consumers', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('consumer bug');
    });
    bus.subscribe((e) => seen.push(e.type));
    expect(() => bus.publish(event)).not.toThrow();
    expect(seen).toEqual(['deployment.started']);
  });
});
