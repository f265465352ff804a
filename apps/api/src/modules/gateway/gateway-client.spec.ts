import { describe, expect, it } from '@jest/globals';
import type { Principal } from '../auth/principal.js';
import type { Topic } from '../events/portico-event.js';
import { GatewayClient, type Socket } from './gateway-client.js';

class FakeSocket implements Socket {
  bufferedAmount = 0;
  readyState = 1;
  readonly sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
}

const principal = { permissions: new Set(['read']) } as unknown as Principal;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GatewayClient', () => {
  it('drops deltas for a client that does not read, then resyncs it with snapshots once drained', async () => {
    const socket = new FakeSocket();
    const resynced: Topic[][] = [];
    const client = new GatewayClient(socket, principal, 1_000, async (_c, topics) => {
      resynced.push(topics);
    });
    client.topics.add('fleet');
    client.send('a');
    socket.bufferedAmount = 5_000; // the client stopped reading
    client.send('b');
    client.send('c');
    expect(socket.sent).toEqual(['a']);
    expect(client.resyncing).toBe(true);
    socket.bufferedAmount = 0;
    await sleep(120);
    expect(JSON.parse(socket.sent[1]!)).toEqual({ event: 'resync', data: { dropped: 2 } });
    expect(resynced).toEqual([['fleet']]);
    client.send('d');
    expect(socket.sent.at(-1)).toBe('d');
    client.close();
  });

  it('holds deltas of a topic while its snapshot is read and sends them after it, in order', () => {
    const socket = new FakeSocket();
    const client = new GatewayClient(socket, principal, 1_000, async () => undefined);
    client.hold('site:x' as Topic);
    client.deliver('delta-1', 'site:x' as Topic);
    client.deliver('other', 'fleet');
    client.send('snapshot');
    client.deliver('delta-2', 'site:x' as Topic);
    client.release('site:x' as Topic);
    expect(socket.sent).toEqual(['other', 'snapshot', 'delta-1', 'delta-2']);
  });
});
