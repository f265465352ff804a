import { describe, expect, it } from '@jest/globals';
import { planUnits, reversePlan, unitPaths } from './unit-lifecycle.js';

describe('unit plans', () => {
  it('finds unit files of a tree', () => {
    expect(unitPaths(['nginx/a.conf', 'systemd/b.service', 'systemd/b.env', 'systemd/c.timer'])).toEqual([
      'systemd/b.service',
      'systemd/c.timer',
    ]);
  });

  it('restarts new units and units whose files changed, unlinks removed ones', () => {
    const plan = planUnits(
      ['systemd/ollama.service', 'systemd/webui.service', 'systemd/new.service'],
      ['ollama.service', 'webui.service', 'gone.service'],
      ['systemd/ollama.env', 'nginx/sites/a.conf'],
    );
    expect(plan).toEqual({
      link: ['ollama.service', 'webui.service', 'new.service'],
      unlink: ['gone.service'],
      restart: ['ollama.service', 'new.service'],
    });
  });

  it('reverses a plan: restores removed units, drops new ones, restarts changed ones', () => {
    const before = ['ollama.service', 'webui.service', 'gone.service'];
    const forward = planUnits(
      ['systemd/ollama.service', 'systemd/webui.service', 'systemd/new.service'],
      before,
      ['systemd/ollama.service'],
    );
    expect(reversePlan(forward, before)).toEqual({
      link: ['gone.service', 'ollama.service', 'webui.service'],
      unlink: ['new.service'],
      restart: ['gone.service', 'ollama.service'],
    });
  });
});
