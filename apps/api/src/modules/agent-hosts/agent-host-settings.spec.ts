import { describe, expect, it } from '@jest/globals';
import { settingsForAgent } from './agent-host-settings.js';

const agent = {
  flavor: 'apache' as const,
  hostFamily: 'rhel' as const,
  configRoot: '/srv/portico',
  validateCommand: null,
  reloadCommand: null,
  listenAddress: null,
  hostOverrides: {},
};

describe('settingsForAgent', () => {
  it('starts from the flavor and family defaults', () => {
    const s = settingsForAgent(agent);
    expect(s).toMatchObject({
      flavor: 'apache',
      configRoot: '/srv/portico',
      validateCommand: 'httpd -t',
      reloadCommand: 'systemctl reload httpd',
      hookPath: '/etc/httpd/conf.d/portico.conf',
      verifyAddress: '127.0.0.1',
    });
    expect(s.units?.daemonReload).toBe('systemctl daemon-reload');
  });

  it('applies the agent columns, then its host overrides (null units: no systemd)', () => {
    const s = settingsForAgent({
      ...agent,
      validateCommand: 'apachectl -t',
      reloadCommand: 'apachectl graceful',
      listenAddress: '10.0.0.5',
      hostOverrides: { hookPath: '/opt/httpd/conf.d/portico.conf', units: null, settleMs: 0 },
    });
    expect(s).toMatchObject({
      validateCommand: 'apachectl -t',
      reloadCommand: 'apachectl graceful',
      verifyAddress: '10.0.0.5',
      hookPath: '/opt/httpd/conf.d/portico.conf',
      units: null,
      settleMs: 0,
    });
  });

  it('verifies a proxy that listens on every address through loopback', () => {
    expect(settingsForAgent({ ...agent, listenAddress: '0.0.0.0' }).verifyAddress).toBe('127.0.0.1');
    expect(settingsForAgent({ ...agent, listenAddress: '::' }).verifyAddress).toBe('::1');
  });
});
