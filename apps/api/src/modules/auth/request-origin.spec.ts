import { describe, expect, it } from '@jest/globals';
import { authenticatedByCookie, fromAllowedOrigin } from './request-origin.js';

describe('request origin', () => {
  const host = 'portico.internal:8080';

  it('allows the own host, listed origins, and same-origin fetch metadata without an Origin', () => {
    expect(fromAllowedOrigin({ host, origin: 'http://portico.internal:8080' }, [])).toBe(true);
    expect(
      fromAllowedOrigin({ host, origin: 'https://dash.example.com' }, ['https://dash.example.com']),
    ).toBe(true);
    expect(fromAllowedOrigin({ host, 'sec-fetch-site': 'same-origin' }, [])).toBe(true);
  });

  it('refuses other origins, other ports, null, garbage and requests with neither header', () => {
    expect(fromAllowedOrigin({ host, origin: 'http://evil.example' }, [])).toBe(false);
    expect(fromAllowedOrigin({ host, origin: 'http://portico.internal:9090' }, [])).toBe(false);
    expect(fromAllowedOrigin({ host, origin: 'null' }, [])).toBe(false);
    expect(fromAllowedOrigin({ host, origin: 'not a url' }, [])).toBe(false);
    expect(fromAllowedOrigin({ host }, [])).toBe(false);
    expect(fromAllowedOrigin({ host, 'sec-fetch-site': 'same-site' }, [])).toBe(false);
    // Sec-Fetch-Site does not override an Origin that is present.
    expect(
      fromAllowedOrigin({ host, origin: 'http://evil.example', 'sec-fetch-site': 'same-origin' }, []),
    ).toBe(false);
  });

  it('tells cookie requests from token requests', () => {
    expect(authenticatedByCookie({ cookie: 'a=1; portico_session=xyz' })).toBe(true);
    expect(authenticatedByCookie({ cookie: 'portico_session=xyz', authorization: 'Bearer ptk_abc' })).toBe(
      false,
    );
    expect(authenticatedByCookie({ cookie: 'portico_session=xyz', authorization: 'Bearer nonsense' })).toBe(
      true,
    );
    expect(authenticatedByCookie({ authorization: 'Bearer ptk_abc' })).toBe(false);
    expect(authenticatedByCookie({ cookie: 'other=1' })).toBe(false);
  });
});
