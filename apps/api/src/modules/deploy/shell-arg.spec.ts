import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { fillCommand, shellArg } from './shell-arg.js';

describe('shellArg', () => {
  it.each([['plain/path.conf'], ["it's"], ['$(reboot)'], ['a b\nc'], ['`x`;&|'], ['']])(
    'keeps %j intact through sh',
    (value) => {
      expect(execFileSync('sh', ['-c', `printf %s ${shellArg(value)}`], { encoding: 'utf8' })).toBe(value);
    },
  );

  it('leaves safe words unquoted', () => {
    expect(shellArg('/etc/portico/live')).toBe('/etc/portico/live');
  });

  it('fills command templates with quoted values', () => {
    expect(fillCommand('systemctl restart {unit} {other}', { unit: "a'b" })).toBe(
      "systemctl restart 'a'\\''b' {other}",
    );
  });
});
