import { describe, expect, test } from '@jest/globals';
import { referenceFleet } from '../../../../../test/fixtures/fleet-state.factory.js';
import { AppError } from '../../common/errors/app-error.js';
import { renderSite, renderUnit } from '../render/agent-renderer.js';
import { DRAFT_ID, draftService, draftSite, hostnameWarnings, withService, withSite } from './draft-specs.js';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('the draft was accepted');
};

describe('site drafts', () => {
  test('take the API defaults and render like a saved site', () => {
    const state = referenceFleet();
    const spec = draftSite(
      {
        name: 'docs',
        hostnames: ['docs.example.test'],
        routes: [{ pathPrefix: '/', upstream: 'openwebui' }],
      },
      {
        routes: [{ pathPrefix: '/', upstreamId: 'up-openwebui', streaming: false }],
        agentIds: ['agent-gpu', 'agent-edge'],
      },
    );
    expect(spec).toMatchObject({
      id: DRAFT_ID,
      tlsMode: 'off',
      certificateId: null,
      websocket: true,
      readTimeoutSec: 3600,
      agentIds: ['agent-edge', 'agent-gpu'],
    });
    const [file] = renderSite(withSite(state, spec), spec.id, 'nginx');
    expect(file?.path).toBe('nginx/sites/docs.conf');
    expect(file?.content).toContain('server_name docs.example.test;');
  });

  test("warn about a hostname another site serves, but not about the edited site's own", () => {
    const state = referenceFleet();
    const hostnames = ['chat.example.test', 'models.example.test'];
    expect(hostnameWarnings(state, hostnames, 'site-chat')).toEqual([
      { field: 'hostnames.1', message: 'already served by site models' },
    ]);
    expect(hostnameWarnings(state, hostnames)).toHaveLength(2);
    // An edit replaces the saved site instead of rendering next to it.
    const spec = draftSite(
      { name: 'chat', hostnames, routes: [{ pathPrefix: '/', upstream: 'openwebui' }] },
      { routes: [{ pathPrefix: '/', upstreamId: 'up-openwebui', streaming: false }], agentIds: [] },
      'site-chat',
    );
    expect(withSite(state, spec).sites.filter((s) => s.name === 'chat')).toHaveLength(1);
  });
});

describe('service drafts', () => {
  test('render the unit a create would install, presets included', () => {
    const state = referenceFleet();
    const spec = draftService(state, { name: 'llm', kind: 'ollama', options: { upstream: 'ollama' } });
    const unit = renderUnit(withService(state, spec), spec.id);
    expect(unit.path).toBe('systemd/llm.service');
    expect(unit.content).toContain('ExecStart=/usr/local/bin/ollama serve\n');
    expect(unit.content).toContain(
      'Environment="OLLAMA_ORIGINS=https://chat.example.test,https://models.example.test"',
    );
  });

  test('refuse an unknown agent', () => {
    expect(
      refusal(() => draftService(referenceFleet(), { name: 'x', execStart: '/bin/true', agents: ['no'] })),
    ).toEqual({ code: 'VALIDATION_FAILED', details: [{ field: 'agents.0', message: 'no agent named no' }] });
  });
});
