import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createTestPki, reissueTestLeaf } from '../../../../../test/fixtures/tls.js';
import { pemCertificateBlocks } from '../../common/tls/pem.js';
import { chainDates } from './chain-validity.js';

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'portico-chain-dates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The chain a TLS client builds for this PKI: leaf, intermediate, root. */
function built(pki: { chainPem: string; caPem: string }): X509Certificate[] {
  return pemCertificateBlocks(pki.chainPem + pki.caPem).map((pem) => new X509Certificate(pem));
}

describe('chainDates', () => {
  const pki = createTestPki(join(dir, 'pki'), ['chat.example.test']);
  const now = Date.now();
  const expired = reissueTestLeaf(join(dir, 'pki'), {
    notBefore: new Date(now - 30 * DAY),
    notAfter: new Date(now - 2 * DAY),
  });

  it('sees a chain trusted but for its expired leaf, and names the leaf', () => {
    const dates = chainDates(built(expired), pki.caPem, now);
    expect(dates.trustedButForDates).toBe(true);
    expect(dates.outOfDate.map((c) => [c.index, c.subject])).toEqual([[0, 'CN=chat.example.test']]);
  });

  it('does not trust a chain whose root is not an anchor, dates or not', () => {
    expect(chainDates(built(expired), undefined, now).trustedButForDates).toBe(false);
  });

  it('does not trust a chain whose links do not sign each other', () => {
    const other = createTestPki(join(dir, 'other'), ['chat.example.test']);
    const [leaf] = built(expired);
    const [, intermediate, root] = built(other);
    const mixed = [leaf, intermediate, root] as X509Certificate[];
    expect(chainDates(mixed, other.caPem, now).trustedButForDates).toBe(false);
  });

  it('finds nothing out of date in a current chain', () => {
    expect(chainDates(built(pki), pki.caPem, now)).toEqual({ trustedButForDates: true, outOfDate: [] });
  });
});
