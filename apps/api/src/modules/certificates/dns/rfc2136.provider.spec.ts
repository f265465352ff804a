import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { buildUpdate, encodeName } from './rfc2136.provider.js';

const settings = {
  zone: 'example.test',
  server: '127.0.0.1',
  port: 53,
  tsigKeyName: 'k',
  tsigAlgorithm: 'hmac-sha256',
  tsigSecret: Buffer.alloc(32, 1).toString('base64'),
};

describe('RFC 2136 UPDATE with TSIG', () => {
  it('encodes names in canonical wire form', () => {
    expect(encodeName('A.Example.test.')).toEqual(Buffer.from('\x01a\x07example\x04test\x00', 'latin1'));
  });

  it('builds an UPDATE whose TSIG MAC covers the message and the TSIG variables', () => {
    const now = new Date(1_700_000_000_000);
    const msg = buildUpdate(
      settings,
      [{ action: 'add', name: '_acme-challenge.example.test', value: 'v' }],
      now,
      0x1234,
    );
    expect(msg.readUInt16BE(0)).toBe(0x1234);
    expect((msg.readUInt16BE(2) >> 11) & 0xf).toBe(5); // opcode UPDATE
    expect([msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)]).toEqual([
      1, 0, 1, 1,
    ]);
    // Recompute the MAC independently from the unsigned part.
    const keyName = encodeName('k');
    const tsigStart = msg.lastIndexOf(Buffer.concat([keyName, Buffer.from([0, 250, 0, 255])]));
    const unsigned = Buffer.from(msg.subarray(0, tsigStart));
    unsigned.writeUInt16BE(0, 10);
    const algorithm = encodeName('hmac-sha256');
    const time = Buffer.alloc(6);
    time.writeUIntBE(1_700_000_000, 0, 6);
    const variables = Buffer.concat([
      keyName,
      Buffer.from([0, 255, 0, 0, 0, 0]),
      algorithm,
      time,
      Buffer.from([1, 44, 0, 0, 0, 0]),
    ]);
    const mac = createHmac('sha256', Buffer.alloc(32, 1)).update(unsigned).update(variables).digest();
    expect(msg.includes(mac)).toBe(true);
  });
});
