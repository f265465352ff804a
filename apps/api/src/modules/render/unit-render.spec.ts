import { describe, expect, test } from '@jest/globals';
import {
  agentSpec,
  fleetState,
  referenceFleet,
  serviceSpec,
} from '../../../../../test/fixtures/fleet-state.factory.js';
import { renderAgent } from './agent-renderer.js';
import type { FleetState } from './fleet-state.js';

const unit = (state: FleetState, name: string, agentId = 'agent-edge') =>
  renderAgent(state, agentId).find((f) => f.path === `systemd/${name}.service`)?.content ?? '';

describe('Ollama unit', () => {
  test('serves with OLLAMA_HOST and origins computed from its sites and its UIs’ sites', () => {
    const content = unit(referenceFleet(), 'ollama', 'agent-gpu');
    expect(content).toContain('ExecStart=/usr/local/bin/ollama serve\n');
    expect(content).toContain('Environment="OLLAMA_HOST=0.0.0.0:11434"\n');
    expect(content).toContain(
      'Environment="OLLAMA_ORIGINS=https://chat.example.test,https://models.example.test"\n',
    );
    expect(content).toContain('User=ollama\nGroup=ollama\nRestart=always\nRestartSec=3\n');
  });

  test('origins follow a domain change, keep extra origins and the HTTP face of a site without redirect', () => {
    const state = referenceFleet();
    state.sites = state.sites.map((s) =>
      s.name === 'chat'
        ? { ...s, hostnames: ['ai.example.test', '*.ai.example.test'], httpsRedirect: false }
        : s,
    );
    state.services = state.services.map((s) =>
      s.kind === 'ollama' ? { ...s, options: { ...s.options, extraOrigins: ['http://10.0.0.7:3000'] } } : s,
    );
    expect(unit(state, 'ollama', 'agent-gpu')).toContain(
      'Environment="OLLAMA_ORIGINS=http://*.ai.example.test,http://10.0.0.7:3000,http://ai.example.test,https://*.ai.example.test,https://ai.example.test,https://models.example.test"\n',
    );
  });
});

describe('Open WebUI container unit', () => {
  test('docker, bridge: -p to the published port, OLLAMA_BASE_URL from Ollama’s public site, WEBUI_URL', () => {
    const content = unit(referenceFleet(), 'open-webui');
    expect(content).toContain(
      'Wants=network-online.target docker.service\nAfter=network-online.target docker.service\n',
    );
    expect(content).toContain('Environment="AIOHTTP_CLIENT_TIMEOUT=300"\n');
    expect(content).toContain('Environment="OLLAMA_BASE_URL=https://models.example.test"\n');
    expect(content).toContain('Environment="WEBUI_URL=https://chat.example.test"\n');
    expect(content).toContain(
      'ExecStart=docker run --rm --name open-webui -p 127.0.0.1:3000:8080 -v open-webui:/app/backend/data -e AIOHTTP_CLIENT_TIMEOUT -e OLLAMA_BASE_URL -e WEBUI_URL ghcr.io/open-webui/open-webui:main\n',
    );
    expect(content).toContain('ExecStartPre=-docker rm -f open-webui\n');
    expect(content).toContain('ExecStop=docker stop open-webui\n');
  });

  test('without a public Ollama site, a loopback Ollama is reached through the Docker host gateway', () => {
    const state = referenceFleet({ ollamaTarget: { host: '127.0.0.1', port: 11434 } });
    state.sites = state.sites.filter((s) => s.name !== 'models');
    const content = unit(state, 'open-webui');
    expect(content).toContain('Environment="OLLAMA_BASE_URL=http://host.docker.internal:11434"\n');
    expect(content).toContain(' --add-host=host.docker.internal:host-gateway ');
  });

  test('podman with host networking: no -p, no Docker dependency, its own volume and image', () => {
    const state = referenceFleet({ openWebuiTarget: { host: '127.0.0.1', port: 8080 } });
    state.services = state.services.map((s) =>
      s.kind === 'openwebui'
        ? {
            ...s,
            image: 'ghcr.io/open-webui/open-webui:v0.6.5',
            options: { ...s.options, runtime: 'podman' as const, network: 'host' as const, volume: 'owui' },
          }
        : s,
    );
    const content = unit(state, 'open-webui');
    expect(content).not.toContain('docker');
    expect(content).toContain(
      'ExecStart=podman run --rm --name open-webui --network=host -v owui:/app/backend/data -e AIOHTTP_CLIENT_TIMEOUT -e OLLAMA_BASE_URL -e WEBUI_URL ghcr.io/open-webui/open-webui:v0.6.5\n',
    );
  });
});

describe('generic unit', () => {
  const state = fleetState({
    agents: [agentSpec()],
    services: [
      serviceSpec({
        name: 'worker',
        description: 'Worker at 100%',
        execStart: '/usr/bin/env FOO=1 "a b" 50%',
        user: 'www-data',
        restart: 'on_failure',
        environment: { Z: 'last', QUOTED: 'say "hi" \\ 100% $HOME', EMPTY: '' },
      }),
    ],
  });

  test('quotes Environment= values and escapes % specifiers everywhere', () => {
    expect(unit(state, 'worker')).toBe(
      [
        '# Managed by Portico; overwritten on every deploy.',
        '[Unit]',
        'Description=Worker at 100%%',
        'Wants=network-online.target',
        'After=network-online.target',
        '',
        '[Service]',
        'ExecStart=/usr/bin/env FOO=1 "a b" 50%%',
        'Environment="EMPTY="',
        'Environment="QUOTED=say \\"hi\\" \\\\ 100%% $HOME"',
        'Environment="Z=last"',
        'User=www-data',
        'Restart=on-failure',
        'RestartSec=3',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
    );
  });

  test('a generic service only renders on the agents that run it', () => {
    expect(renderAgent({ ...state, agents: [agentSpec({ id: 'other' })] }, 'other')).not.toContainEqual(
      expect.objectContaining({ path: 'systemd/worker.service' }),
    );
  });
});
