import { describe, expect, it } from '@jest/globals';
import { hostSettings } from './host-settings.js';
import { StagedValidation } from './staged-validation.js';

describe('StagedValidation.parse', () => {
  it('passes when the proxy and the units validate', () => {
    const out = '@@proxy\nnginx: configuration file test is successful\n@@rc 0\n@@units\n@@rc 0\n';
    expect(StagedValidation.parse(out, '', 0)).toEqual({
      ok: true,
      output: 'nginx: configuration file test is successful',
    });
  });

  it('fails with the validator output when the proxy config is invalid', () => {
    const out = '@@proxy\nAH00526: Syntax error on line 1 of /etc/portico/live/apache/sites/a.conf\n@@rc 1\n';
    const result = StagedValidation.parse(out, '', 1);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('AH00526');
  });

  it('fails on unit warnings systemd-analyze only prints', () => {
    const out =
      "@@proxy\nok\n@@rc 0\n@@units\n/etc/portico/live/systemd/x.service:5: Unknown key 'Foo' in section [Service], ignoring.\n@@rc 0\n";
    expect(StagedValidation.parse(out, '', 0).ok).toBe(false);
  });

  it('ignores warnings about units outside the tree', () => {
    const out =
      '@@proxy\nok\n@@rc 0\n@@units\n/lib/systemd/system/other.service:3: Unknown key name, ignoring.\n@@rc 0\n';
    expect(StagedValidation.parse(out, '', 0).ok).toBe(true);
  });

  it('reports a validation that could not start (no unshare, no root)', () => {
    const result = StagedValidation.parse('', 'unshare: unshare failed: Operation not permitted\n', 1);
    expect(result).toEqual({ ok: false, output: expect.stringContaining('could not run') });
  });
});

describe('StagedValidation.scripts', () => {
  const settings = hostSettings('nginx');
  const tree = {
    stageDir: '/etc/portico/revisions/.staging-t',
    workDir: '/etc/portico/revisions/.work-t',
    currentHook: null,
    unitPaths: ['systemd/ollama.service'],
  };

  it('shows the staged tree as live and the hook as installed, inside a namespace only', () => {
    const { outer, inner } = StagedValidation.scripts(settings, tree);
    expect(outer).toContain('unshare -m sh -s');
    expect(inner).toContain('mount --make-rprivate /');
    expect(inner).toContain(
      'mount --bind /etc/portico/revisions/.staging-t /etc/portico/revisions/.work-t/view/live',
    );
    expect(inner).toContain('mount --rbind /etc/portico/revisions/.work-t/view /etc/portico');
    expect(inner).toContain('mount --bind /etc/portico/revisions/.work-t/hook /etc/nginx/conf.d');
    expect(inner).toContain('systemd-analyze verify /etc/portico/live/systemd/ollama.service');
  });

  it('leaves an installed hook alone', () => {
    const { inner } = StagedValidation.scripts(settings, {
      ...tree,
      currentHook: 'include /etc/portico/live/nginx/portico.conf;\n',
    });
    expect(inner).not.toContain('/etc/nginx/conf.d');
  });
});
