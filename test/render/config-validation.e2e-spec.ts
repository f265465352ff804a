import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, jest, test } from '@jest/globals';
import { renderAgent, requiredApacheModules } from '../../apps/api/src/modules/render/agent-renderer.js';
import type { ProxyFlavor } from '../../apps/api/src/modules/render/fleet-state.js';
import { ApacheInstance } from '../fixtures/apache-instance.js';
import { certificateSpec } from '../fixtures/fleet-state.factory.js';
import { NginxInstance } from '../fixtures/nginx-instance.js';
import { renderVariants, unitVariants } from '../fixtures/render-variants.js';
import { writeRenderedTree } from '../fixtures/rendered-tree.js';
import { SystemdVerifier } from '../fixtures/systemd-verifier.js';
import { createTestPki } from '../fixtures/tls.js';

// jest ignores testTimeout inside `projects`; real servers need more than the 5 s default.
jest.setTimeout(120_000);

// Every template variant, rendered and handed to the real servers' own config checks.

const dir = mkdtempSync(join(tmpdir(), 'portico-validate-'));
const hostnames = ['app.example.test', 'chat.example.test', 'models.example.test'];
const pki = createTestPki(join(dir, 'pki'), hostnames);
const stapled = createTestPki(join(dir, 'pki-ocsp'), hostnames, { ocspUrl: 'http://127.0.0.1:9/ocsp' });
const certificate = certificateSpec({ chainPem: pki.chainPem, keyPem: pki.keyPem });
const staplingCertificate = certificateSpec({
  id: '5d0c7a52-03c1-4a59-8a8e-2f4f0b6f7e11',
  chainPem: stapled.chainPem,
  keyPem: stapled.keyPem,
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

let serial = 0;
function check(
  flavor: ProxyFlavor,
  variant: ReturnType<typeof renderVariants>[number],
  tamper: (content: string) => string = (c) => c,
) {
  const base = join(dir, `${flavor}-${++serial}`);
  const configRoot = join(base, 'portico');
  mkdirSync(configRoot, { recursive: true });
  const agents = variant.state.agents.map((a) => (a.id === variant.agentId ? { ...a, configRoot } : a));
  const state = { ...variant.state, agents };
  const files = renderAgent(state, variant.agentId).map((f) =>
    f.path.includes('/sites/') ? { ...f, content: tamper(f.content) } : f,
  );
  writeRenderedTree(configRoot, files);
  const server =
    flavor === 'nginx'
      ? new NginxInstance(base, configRoot)
      : new ApacheInstance(base, configRoot, requiredApacheModules(state, variant.agentId), [
          { port: 80 },
          { port: 443, https: true },
        ]);
  const proxyFiles = files
    .filter((f) => f.path.startsWith(`${flavor}/`) && !f.path.includes('/snippets/'))
    .map((f) => `${configRoot}/live/${f.path}`);
  const result = server.validate();
  // Glob includes accept matching nothing: make sure every rendered file was really read.
  const missing = result.ok ? proxyFiles.filter((f) => !server.loadedFiles().includes(f)) : [];
  return { ...result, missing };
}

describe.each(['nginx', 'apache'] as const)('%s -t accepts', (flavor) => {
  const variants = renderVariants({ flavor, certificate, staplingCertificate });

  test.each(variants.map((v) => [v.name, v] as const))('%s', (_name, variant) => {
    const result = check(flavor, variant);
    expect({ ok: result.ok, problems: result.problems, missing: result.missing }).toEqual({
      ok: true,
      problems: [],
      missing: [],
    });
  });

  test('the check fails on a directive the server does not know', () => {
    const [variant] = variants;
    if (!variant) throw new Error('no variants');
    const result = check(flavor, variant, (content) =>
      content.replace(/^(\s*)(proxy_pass|ProxyPass) /m, '$1bogus '),
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/bogus/);
  });

  if (flavor === 'apache') {
    test('the check fails when a module the tree needs is not loaded', () => {
      const variant = variants.find((v) => v.name.startsWith('several targets, least_conn'));
      if (!variant) throw new Error('no variant');
      const base = join(dir, `apache-modules-${++serial}`);
      const configRoot = join(base, 'portico');
      mkdirSync(configRoot, { recursive: true });
      const agents = variant.state.agents.map((a) => ({ ...a, configRoot }));
      const state = { ...variant.state, agents };
      writeRenderedTree(configRoot, renderAgent(state, variant.agentId));
      const modules = requiredApacheModules(state, variant.agentId).filter(
        (m) => m !== 'lbmethod_bybusyness',
      );
      const result = new ApacheInstance(base, configRoot, modules, [
        { port: 80 },
        { port: 443, https: true },
      ]).validate();
      expect(result.ok).toBe(false);
    });
  }
});

describe('systemd-analyze verify', () => {
  test('accepts every unit without a warning', () => {
    const state = unitVariants();
    const files = renderAgent(state, 'agent-gpu');
    expect(files.filter((f) => f.path.startsWith('systemd/')).map((f) => f.path)).toEqual([
      'systemd/no-restart.service',
      'systemd/ollama.service',
      'systemd/open-webui.service',
      'systemd/owui-podman.service',
      'systemd/worker.service',
    ]);
    const result = new SystemdVerifier(join(dir, 'systemd-root')).verify(files);
    expect({ ok: result.ok, problems: result.problems }).toEqual({ ok: true, problems: [] });
  });

  test('reports a broken unit (the check can fail)', () => {
    const result = new SystemdVerifier(join(dir, 'systemd-root-broken')).verify([
      {
        path: 'systemd/broken.service',
        mode: 0o644,
        sha256: '',
        content: '[Service]\nExecStart=/usr/bin/env true\nBogusKey=1\n',
      },
    ]);
    expect(result.ok).toBe(false);
    expect(result.output).toContain("Unknown key 'BogusKey'");
  });
});
