import { describe, expect, it } from '@jest/globals';
import { hostSettings } from './host-settings.js';
import { proposeOverrides } from './override-proposal.js';

describe('proposeOverrides', () => {
  it('proposes nothing on a systemd host', () => {
    expect(proposeOverrides(hostSettings('nginx'), true)).toBeNull();
  });

  it('replaces every systemctl command on a host without systemd, keeping a custom config path', () => {
    const settings = hostSettings('nginx', {
      validateCommand: 'nginx -t -c /srv/nginx.conf -e /srv/err.log',
    });
    expect(proposeOverrides(settings, false)).toMatchObject({
      reloadCommand: 'nginx -c /srv/nginx.conf -e /srv/err.log -s reload',
      statusCommand: 'pgrep -x nginx >/dev/null',
      units: null,
    });
    expect(proposeOverrides(hostSettings('nginx'), false)?.reloadCommand).toBe('nginx -s reload');
  });

  it('knows Apache: apache2ctl graceful, or the binary with -k graceful', () => {
    expect(proposeOverrides(hostSettings('apache'), false)?.reloadCommand).toBeUndefined(); // apache2ctl graceful
    const custom = hostSettings('apache', {
      validateCommand: 'apache2 -t -f /srv/httpd.conf',
      reloadCommand: 'systemctl reload apache2',
    });
    expect(proposeOverrides(custom, false)?.reloadCommand).toBe('apache2 -f /srv/httpd.conf -k graceful');
  });

  it('leaves commands that do not need systemd alone', () => {
    const settings = hostSettings('nginx', {
      reloadCommand: 'sh /srv/reload',
      statusCommand: 'kill -0 1',
      units: null,
    });
    expect(proposeOverrides(settings, false)).toBeNull();
  });
});
