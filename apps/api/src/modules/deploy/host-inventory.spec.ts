import { describe, expect, it } from '@jest/globals';
import { HostInventory } from './host-inventory.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sha = (c: string) => c.repeat(64);

describe('HostInventory.parse', () => {
  it('reads live target, manifest, hashes, modes, hook and linked units', () => {
    const manifest = JSON.stringify({
      revision: '12',
      files: [{ path: 'nginx/a.conf', mode: 420, sha256: sha('a') }],
    });
    const out = [
      '@@live',
      'revisions/12',
      '@@revisions',
      '11',
      '12',
      '.staging-x',
      '@@manifest',
      b64(manifest),
      '@@hashes',
      `${sha('a')}  ./nginx/a.conf`,
      `${sha('b')} *./certs/c/privkey.pem`,
      '@@modes',
      '644 ./nginx/a.conf',
      '600 ./certs/c/privkey.pem',
      '@@hook',
      b64('include /etc/portico/live/nginx/portico.conf;\n'),
      '@@units',
      'ollama.service',
      '@@end',
      '',
    ].join('\n');
    const snapshot = HostInventory.parse(out);
    expect(snapshot.liveTarget).toBe('revisions/12');
    expect(snapshot.revisions).toEqual(['11', '12', '.staging-x']);
    expect(snapshot.manifest?.revision).toBe('12');
    expect([...snapshot.files]).toEqual([
      ['nginx/a.conf', { sha256: sha('a'), mode: 0o644 }],
      ['certs/c/privkey.pem', { sha256: sha('b'), mode: 0o600 }],
    ]);
    expect(snapshot.hook).toBe('include /etc/portico/live/nginx/portico.conf;\n');
    expect(snapshot.linkedUnits).toEqual(['ollama.service']);
  });

  it('describes a host Portico never deployed to', () => {
    const snapshot = HostInventory.parse(
      '@@live\n@@revisions\n@@manifest\n\n@@hashes\n@@modes\n@@hook\n-\n@@units\n@@end\n',
    );
    expect(snapshot).toEqual({
      liveTarget: null,
      manifest: null,
      files: new Map(),
      hook: null,
      revisions: [],
      linkedUnits: [],
    });
  });

  it('ignores a manifest that is not Portico JSON', () => {
    expect(HostInventory.parse(`@@manifest\n${b64('{"nope":1}')}\n@@end\n`).manifest).toBeNull();
    expect(HostInventory.parse(`@@manifest\n${b64('garbage')}\n@@end\n`).manifest).toBeNull();
  });
});
