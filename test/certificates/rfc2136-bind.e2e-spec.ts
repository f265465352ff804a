import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Rfc2136Provider } from '../../apps/api/src/modules/certificates/dns/rfc2136.provider.js';
import { Bind } from '../fixtures/bind.js';

let bind: Bind;

beforeAll(async () => {
  bind = await Bind.start({ zone: 'dns01.test' });
});

afterAll(async () => {
  await bind?.stop();
});

function provider(secret = bind.tsigSecret) {
  return new Rfc2136Provider({
    zone: bind.zone,
    server: '127.0.0.1',
    port: bind.port,
    tsigKeyName: bind.tsigKeyName,
    tsigAlgorithm: 'hmac-sha256',
    tsigSecret: secret,
  });
}

describe('RFC 2136 + TSIG against a real BIND', () => {
  it('adds and removes a TXT record (the DNS-01 answer)', async () => {
    const name = '_acme-challenge.www.dns01.test';
    await provider().present(name, 'token-value-1');
    await provider().present(name, 'token-value-2');
    expect(bind.dig(name, 'TXT').sort()).toEqual(['"token-value-1"', '"token-value-2"']);
    await provider().cleanup(name, 'token-value-1');
    expect(bind.dig(name, 'TXT')).toEqual(['"token-value-2"']);
    await provider().cleanup(name, 'token-value-2');
    expect(bind.dig(name, 'TXT')).toEqual([]);
  });

  it('is refused with a wrong TSIG secret, and BIND changes nothing', async () => {
    const wrong = Buffer.alloc(32, 7).toString('base64');
    await expect(provider(wrong).present('_acme-challenge.x.dns01.test', 'v')).rejects.toThrow(
      /NOTAUTH|REFUSED/,
    );
    expect(bind.dig('_acme-challenge.x.dns01.test', 'TXT')).toEqual([]);
  });

  it('is refused for a name outside the zone', async () => {
    await expect(provider().present('_acme-challenge.other.test', 'v')).rejects.toThrow(
      /NOTZONE|REFUSED|NOTAUTH/,
    );
  });
});
