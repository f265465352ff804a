import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { RenderedFile } from '../render/fleet-state.js';
import { buildManifest, checkFileSet, diffTree, type HostFileState, isIdentical } from './tree-diff.js';

function file(path: string, content: string, mode = 0o644): RenderedFile {
  return { path, content, mode, sha256: createHash('sha256').update(content).digest('hex') };
}

function host(files: RenderedFile[]): Map<string, HostFileState> {
  return new Map(files.map((f) => [f.path, { sha256: f.sha256, mode: f.mode }]));
}

describe('diffTree', () => {
  const a = file('nginx/portico.conf', 'include x;\n');
  const b = file('nginx/sites/chat.conf', 'server {}\n');
  const key = file('certs/c1/privkey.pem', 'key', 0o600);

  it('finds nothing to do when hashes and modes match', () => {
    const diff = diffTree([a, b, key], host([key, b, a]));
    expect(diff.unchanged).toEqual(['certs/c1/privkey.pem', 'nginx/portico.conf', 'nginx/sites/chat.conf']);
    expect(isIdentical(diff)).toBe(true);
  });

  it('sorts every difference into its own list', () => {
    const onHost = host([
      a,
      { ...b, sha256: '0'.repeat(64) },
      { ...key, mode: 0o644 },
      file('nginx/sites/old.conf', 'x'),
    ]);
    const diff = diffTree([a, b, key, file('nginx/sites/new.conf', 'y')], onHost);
    expect(diff).toEqual({
      unchanged: ['nginx/portico.conf'],
      modeChanged: ['certs/c1/privkey.pem'],
      changed: ['nginx/sites/chat.conf'],
      missing: ['nginx/sites/new.conf'],
      extra: ['nginx/sites/old.conf'],
    });
    expect(isIdentical(diff)).toBe(false);
  });

  it('treats an empty host as everything missing', () => {
    expect(diffTree([a], new Map()).missing).toEqual(['nginx/portico.conf']);
  });
});

describe('checkFileSet', () => {
  it('accepts a normal tree', () => {
    expect(
      checkFileSet('42', [file('nginx/sites/a.conf', 'x'), file('systemd/ollama.service', 'y')]),
    ).toEqual([]);
  });

  it.each([
    ['../etc/passwd'],
    ['/etc/passwd'],
    ['nginx/../../x'],
    ['nginx/a b.conf'],
    ['nginx/$(reboot).conf'],
    ["nginx/a'.conf"],
    ['.portico-manifest.json'],
    ['nginx//a.conf'],
  ])('rejects the path %s', (path) => {
    expect(checkFileSet('1', [file(path, 'x')])).not.toEqual([]);
  });

  it('rejects unsafe revision ids, duplicate paths, wrong hashes and modes', () => {
    expect(checkFileSet('1; rm -rf /', [])).toHaveLength(1);
    expect(checkFileSet('1', [file('a', 'x'), file('a', 'x')])).toHaveLength(1);
    expect(checkFileSet('1', [{ ...file('a', 'x'), sha256: 'f'.repeat(64) }])).toHaveLength(1);
    expect(checkFileSet('1', [file('a', 'x', 0o10000)])).toHaveLength(1);
  });
});

describe('buildManifest', () => {
  it('lists files sorted by path, without content', () => {
    const manifest = buildManifest('7', [file('b', '2'), file('a', '1', 0o600)]);
    expect(manifest.revision).toBe('7');
    expect(manifest.files.map((f) => [f.path, f.mode])).toEqual([
      ['a', 0o600],
      ['b', 0o644],
    ]);
    expect(JSON.stringify(manifest)).not.toContain('"content"');
  });
});
