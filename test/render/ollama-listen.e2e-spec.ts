import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, jest, test } from '@jest/globals';
import { renderAgent } from '../../apps/api/src/modules/render/agent-renderer.js';
import type { FleetState } from '../../apps/api/src/modules/render/fleet-state.js';
import { referenceFleet } from '../fixtures/fleet-state.factory.js';
import { SystemdVerifier } from '../fixtures/systemd-verifier.js';

jest.setTimeout(120_000);

// Ollama has no authentication: OLLAMA_HOST follows the topology unless the listen option says
// otherwise — 127.0.0.1 when every proxy (and Open WebUI) using it is on its own host, the
// address the proxy connects to when the proxy runs elsewhere — and 0.0.0.0 comes with a
// warning in the unit. Every variant passes `systemd-analyze verify`.

const dir = mkdtempSync(join(tmpdir(), 'portico-ollama-listen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The reference fleet with the Ollama service's listen option replaced (undefined: not set). */
function fleet(listen: string | undefined, options: Parameters<typeof referenceFleet>[0] = {}): FleetState {
  const state = referenceFleet(options);
  state.services = state.services.map((s) =>
    s.kind === 'ollama' ? { ...s, options: { ...s.options, listen } } : s,
  );
  return state;
}

/** Everything on the GPU host: the sites and Open WebUI move to the agent that runs Ollama. */
function allOnOneHost(state: FleetState): FleetState {
  return {
    ...state,
    sites: state.sites.map((s) => ({ ...s, agentIds: ['agent-gpu'] })),
    services: state.services.map((s) => ({ ...s, agentIds: ['agent-gpu'] })),
  };
}

let n = 0;
function ollamaUnit(state: FleetState): string {
  const files = renderAgent(state, 'agent-gpu').filter((f) => f.path.startsWith('systemd/'));
  const result = new SystemdVerifier(join(dir, `root-${n++}`)).verify(files);
  expect({ ok: result.ok, problems: result.problems }).toEqual({ ok: true, problems: [] });
  return files.find((f) => f.path === 'systemd/ollama.service')!.content;
}

describe('Ollama listen address', () => {
  test('the proxy runs elsewhere: binds the address the proxy connects to, no warning', () => {
    const unit = ollamaUnit(fleet(undefined));
    expect(unit).toContain('Environment="OLLAMA_HOST=10.0.0.5:11434"\n');
    expect(unit).not.toContain('# Warning');
  });

  test('the proxy runs on the same host: binds loopback', () => {
    const unit = ollamaUnit(
      allOnOneHost(fleet(undefined, { ollamaTarget: { host: '127.0.0.1', port: 11500 } })),
    );
    expect(unit).toContain('Environment="OLLAMA_HOST=127.0.0.1:11500"\n');
    expect(unit).not.toContain('# Warning');
  });

  test('0.0.0.0 (set, or the only choice left) is rendered with a warning', () => {
    const set = ollamaUnit(fleet('0.0.0.0:11434'));
    expect(set).toContain('Environment="OLLAMA_HOST=0.0.0.0:11434"\n');
    expect(set).toMatch(
      /^# Warning: OLLAMA_HOST=0\.0\.0\.0:11434 serves Ollama, which has no authentication, on every interface/,
    );
    // A name as the target: which address the proxy reaches cannot be told.
    const byName = ollamaUnit(fleet(undefined, { ollamaTarget: { host: 'gpu.internal', port: 11434 } }));
    expect(byName).toContain('Environment="OLLAMA_HOST=0.0.0.0:11434"\n');
    expect(byName).toContain('# Warning: ');
  });

  test('an explicit address is kept as given', () => {
    expect(ollamaUnit(fleet('192.0.2.7:11434'))).toContain('Environment="OLLAMA_HOST=192.0.2.7:11434"\n');
  });
});
