import { describe, expect, it } from '@jest/globals';
import { browserUrl, firstStartBanner } from './first-start-banner.js';

describe('first-start banner', () => {
  const start = { email: 'admin@portico.local', password: 'Xy_12345678901234567890', dataDir: 'data' };

  it('gives the address, the admin, the password and the embedded data directory, boxed', () => {
    const text = firstStartBanner({ ...start, url: 'http://localhost:8080', databaseUrl: undefined });
    expect(text).toContain('Portico is running at http://localhost:8080');
    expect(text).toMatch(/Admin e-mail:\s+admin@portico\.local/);
    expect(text).toMatch(/Password \(shown once\):\s+Xy_12345678901234567890/);
    expect(text).toContain(`${process.cwd()}/data (embedded Postgres)`);
    const boxed = text.trim().split('\n');
    expect(new Set(boxed.map((l) => l.length)).size).toBe(1);
    expect(boxed.slice(1, -1).every((l) => l.startsWith('│ ') && l.endsWith(' │'))).toBe(true);
  });

  it('names an external database without its credentials', () => {
    const text = firstStartBanner({
      ...start,
      url: 'http://localhost:8080',
      databaseUrl: 'postgresql://portico:s3cret-pw@db.internal:5433/portico?sslmode=require',
    });
    expect(text).toContain('Postgres at db.internal:5433/portico');
    expect(text).not.toContain('s3cret-pw');
  });

  it('turns a wildcard listen address into one a browser can open', () => {
    expect(browserUrl('0.0.0.0', 8080)).toBe('http://localhost:8080');
    expect(browserUrl('::', 8080)).toBe('http://localhost:8080');
    expect(browserUrl('127.0.0.1', 9000)).toBe('http://127.0.0.1:9000');
    expect(browserUrl('::1', 9000)).toBe('http://[::1]:9000');
  });
});
