import { describe, expect, it } from '@jest/globals';
import { redirectVerdict } from './proxy.checks.js';

const expected = 'https://chat.example.test/portico-doctor/a%20b?q=1&r=x%2Fy';
const verdict = (status: number, location: string, redirectOn = true) =>
  redirectVerdict(status, location, expected, redirectOn, 'chat.example.test');

describe('HTTP_REDIRECT verdict on port 80’s answer', () => {
  it('passes a permanent redirect to the same URI, 301 or 308', () => {
    expect(verdict(301, expected).status).toBe('pass');
    expect(verdict(308, expected)).toEqual({
      status: 'pass',
      message: `308 → ${expected}`,
      remediation: null,
    });
  });

  it('warns on a temporary one, and points at what overrides Portico’s 301', () => {
    for (const status of [302, 307]) {
      const v = verdict(status, expected);
      expect([v.status, v.message]).toEqual(['warn', expect.stringMatching(`^temporary redirect ${status}`)]);
      expect(v.remediation).toContain('CONFIG_DRIFT');
    }
  });

  it('fails a redirect that loses the URI, or no redirect at all', () => {
    expect(verdict(301, 'https://chat.example.test/').message).toBe(
      'redirects to https://chat.example.test/, not the same URI on https',
    );
    expect(verdict(200, '')).toMatchObject({ status: 'fail', message: 'no redirect to HTTPS (HTTP 200)' });
  });

  it('warns when the site has its redirect off, and still passes one that redirects anyway', () => {
    expect(verdict(200, '', false)).toMatchObject({
      status: 'warn',
      remediation: expect.stringContaining('turn httpsRedirect on'),
    });
    expect(verdict(301, expected, false).status).toBe('pass');
  });
});
