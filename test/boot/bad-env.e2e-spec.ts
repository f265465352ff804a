import { describe, expect, it } from '@jest/globals';
import { runAppToExit } from '../support/test-app.js';

// The built app (`node apps/api/dist/main.js`) refuses a bad configuration with EX_CONFIG (78)
// and names every problem at once, so one restart fixes them all.

describe('boot with a bad environment', () => {
  it('exits 78 and lists every problem', async () => {
    const { code, stdout, stderr } = await runAppToExit({
      NODE_ENV: 'staging',
      PORT: '99999',
      HOST: '',
      DATABASE_URL: 'mysql://root@localhost/portico',
      PORTICO_SECRET_KEY: 'too-short',
      PORTICO_ADMIN_EMAIL: 'not-an-email',
      LOG_LEVEL: 'loud',
      SESSION_TTL_HOURS: '0',
      COOKIE_SECURE: 'maybe',
      REDIS_URL: 'http://127.0.0.1:6379',
      LOGIN_ATTEMPTS_PER_MINUTE: '0',
    });
    expect(code).toBe(78);
    expect(stderr).toContain('Portico cannot start.');
    const problems = stderr.split('\n').filter((l) => l.startsWith('  - '));
    const named = problems.map((l) => l.slice(4).split(':')[0]);
    expect(named.sort()).toEqual(
      [
        'NODE_ENV',
        'PORT',
        'DATABASE_URL',
        'PORTICO_SECRET_KEY',
        'PORTICO_ADMIN_EMAIL',
        // The email is set without a password: reported with the rest, not after a second start.
        'PORTICO_ADMIN_PASSWORD',
        'LOG_LEVEL',
        'SESSION_TTL_HOURS',
        'COOKIE_SECURE',
        'REDIS_URL',
        'LOGIN_ATTEMPTS_PER_MINUTE',
      ].sort(),
    );
    // It stopped before doing anything: no Nest start-up, no database, no listener.
    expect(stdout).not.toContain('Starting Nest application');
  });

  it('explains each problem in words a person can act on', async () => {
    const { code, stderr } = await runAppToExit({
      PORTICO_ADMIN_PASSWORD: 'short',
      DATABASE_URL: 'postgres://',
      PORT: 'eighty',
    });
    expect(code).toBe(78);
    expect(stderr).toMatch(/PORTICO_ADMIN_PASSWORD: must be at least 12 characters/);
    expect(stderr).toMatch(
      /PORTICO_ADMIN_PASSWORD: PORTICO_ADMIN_EMAIL and PORTICO_ADMIN_PASSWORD must be set together/,
    );
    expect(stderr).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(stderr).toMatch(/PORT: /);
    // The password value itself is not echoed back.
    expect(stderr).not.toContain("'short'");
  });

  it('refuses a proxy trust, outbound list or ACME timeout it cannot read', async () => {
    const { code, stderr } = await runAppToExit({
      TRUST_PROXY: 'everyone',
      OUTBOUND_DENY: '10.0.0.0/99',
      OUTBOUND_ALLOW: 'metadata.internal',
      ACME_TIMEOUT_SEC: '0',
      PORTICO_NEW_SECRET_KEY: 'short',
    });
    expect(code).toBe(78);
    const named = stderr
      .split('\n')
      .filter((l) => l.startsWith('  - '))
      .map((l) => l.slice(4).split(':')[0]);
    expect(named.sort()).toEqual(
      ['TRUST_PROXY', 'OUTBOUND_DENY', 'OUTBOUND_ALLOW', 'ACME_TIMEOUT_SEC', 'PORTICO_NEW_SECRET_KEY'].sort(),
    );
  });

  it('exits non-zero, quickly and without printing the password, when the database is unreachable', async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await runAppToExit({
      DATABASE_URL: 'postgresql://postgres:do-not-print-me@127.0.0.1:1/portico',
      PORT: '0',
      HOST: '127.0.0.1',
      PORTICO_DATA_DIR: '/nonexistent-portico-data',
      PORTICO_SECRET_KEY: 'a'.repeat(64),
    });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull(); // it gave up by itself: a retry loop would be killed at the deadline
    // Booting Node and Nest alone takes 15-20 s on a loaded 2-core machine; this bounds the
    // connection attempt, not the boot.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(stdout + stderr).toMatch(/ECONNREFUSED/);
    expect(stdout + stderr).not.toContain('do-not-print-me');
  });
});
