import { describe, expect, it } from '@jest/globals';
import { redactLine, redactQuery, redactUrl } from './log-redaction.js';

const TOKEN = 'ptk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd';

describe('log redaction', () => {
  it('masks credential-like query values by name and API tokens anywhere in a URL', () => {
    expect(redactUrl(`/api/v1/ws?token=${TOKEN}`)).toBe('/api/v1/ws?token=[REDACTED]');
    expect(redactUrl('/x?limit=5&api_key=abc&password=hunter2&q=ok')).toBe(
      '/x?limit=5&api_key=[REDACTED]&password=[REDACTED]&q=ok',
    );
    expect(redactUrl(`/api/v1/sites/${TOKEN}`)).toBe('/api/v1/sites/ptk_[REDACTED]');
    expect(redactUrl(`/x?note=${TOKEN}`)).toBe('/x?note=ptk_[REDACTED]');
    expect(redactUrl('/api/v1/sites?limit=5')).toBe('/api/v1/sites?limit=5');
    expect(redactUrl('/x?%zz=1&flag')).toBe('/x?%zz=1&flag');
  });

  it('masks the parsed query the same way', () => {
    expect(redactQuery({ token: TOKEN, limit: '5', note: `see ${TOKEN}` })).toEqual({
      token: '[REDACTED]',
      limit: '5',
      note: 'see ptk_[REDACTED]',
    });
    expect(redactQuery(undefined)).toBeUndefined();
  });

  it('sweeps a whole written line and leaves lines without tokens untouched', () => {
    expect(redactLine(`{"msg":"bad token ${TOKEN}"}\n`)).toBe('{"msg":"bad token ptk_[REDACTED]"}\n');
    const plain = '{"msg":"ptk_ is the prefix"}\n';
    expect(redactLine(plain)).toBe(plain);
  });
});
