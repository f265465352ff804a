import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError } from '../../common/errors/app-error.js';
import { inspectUpload, nameCovers, uncoveredHostnames } from './certificate-pem.js';

let dir: string;
let cert: string;
let key: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portico-pem-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '10']
      .concat(['-subj', '/CN=a.pem.test', '-addext', 'subjectAltName=DNS:a.pem.test,DNS:*.b.pem.test'])
      .concat(['-keyout', 'key.pem', '-out', 'cert.pem']),
    { cwd: dir, stdio: 'pipe' },
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return ((error as AppError).details as { reason?: string })?.reason;
  }
  return undefined;
}

describe('inspectUpload', () => {
  it('reads SANs, issuer, serial and validity', () => {
    const facts = inspectUpload(cert, key, { now: new Date() });
    expect(facts.domains).toEqual(['a.pem.test', '*.b.pem.test']);
    expect(facts.issuer).toBe('CN=a.pem.test');
    expect(facts.serial).toMatch(/^[0-9A-F]+$/);
    expect(facts.notAfter.getTime() - facts.notBefore.getTime()).toBe(10 * 86_400_000);
  });

  it('refuses a certificate that is expired or not yet valid', () => {
    const { notBefore, notAfter } = inspectUpload(cert, key, { now: new Date() });
    expect(reason(() => inspectUpload(cert, key, { now: new Date(notAfter.getTime() + 1000) }))).toBe(
      'EXPIRED',
    );
    expect(reason(() => inspectUpload(cert, key, { now: new Date(notBefore.getTime() - 1000) }))).toBe(
      'NOT_YET_VALID',
    );
  });
});

describe('hostname coverage', () => {
  it('matches a wildcard one label deep only', () => {
    expect(nameCovers('*.b.pem.test', 'x.b.pem.test')).toBe(true);
    expect(nameCovers('*.b.pem.test', 'b.pem.test')).toBe(false);
    expect(nameCovers('*.b.pem.test', 'y.x.b.pem.test')).toBe(false);
    expect(
      uncoveredHostnames(['a.pem.test', '*.b.pem.test'], ['A.pem.test', 'c.b.pem.test', 'c.pem.test']),
    ).toEqual(['c.pem.test']);
  });
});
