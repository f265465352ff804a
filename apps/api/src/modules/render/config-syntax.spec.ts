import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { apacheHeaderValue, apacheString, regexLiteral } from './apache-syntax.js';
import { nginxString } from './nginx-syntax.js';
import { RenderError } from './render-error.js';
import { safeInt, safeWord } from './safe-word.js';
import { unitEnvironment, unitText } from './systemd-syntax.js';

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof RenderError ? error.reason : 'other';
  }
  return 'written';
};

describe('nginxString', () => {
  test('quotes and escapes quotes and backslashes', () => {
    expect(nginxString('say "hi" \\ {;} #x')).toBe('"say \\"hi\\" \\\\ {;} #x"');
    expect(nginxString('')).toBe('""');
  });

  test('writes a lone surrogate as U+FFFD, as UTF-8 would', () => {
    expect(nginxString('a\uD800b')).toBe('"a\uFFFDb"');
  });

  test.each(['$host', 'a\nb', 'a\rb', '\u0000', '\u007f'])('refuses %j', (value) => {
    expect(refused(() => nginxString(value))).toBe('UNSAFE_VALUE');
  });
});

describe('apacheString and apacheHeaderValue', () => {
  test('quote and escape', () => {
    expect(apacheString('a "b" \\ c')).toBe('"a \\"b\\" \\\\ c"');
  });

  test('double % for mod_headers', () => {
    expect(apacheHeaderValue('100% %{REMOTE_ADDR}e')).toBe('"100%% %%{REMOTE_ADDR}e"');
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: Apache's ${NAME}, not a template
  test.each(['${HOME}', 'x\ny', 'expr=true', 'EXPR=1'])('refuse %j', (value) => {
    expect(refused(() => apacheHeaderValue(value))).toBe('UNSAFE_VALUE');
  });

  test('regexLiteral escapes metacharacters', () => {
    expect(regexLiteral('/v1.0~x/')).toBe('/v1\\.0~x/');
  });
});

describe('systemd', () => {
  test('unitText doubles % and refuses a trailing backslash or a line break', () => {
    expect(unitText('/usr/bin/env 100% %h')).toBe('/usr/bin/env 100%% %%h');
    expect(refused(() => unitText('/bin/echo \\'))).toBe('UNSAFE_VALUE');
    expect(refused(() => unitText('a\nExecStartPre=/bin/sh'))).toBe('UNSAFE_VALUE');
  });

  test('unitEnvironment quotes the whole assignment', () => {
    expect(unitEnvironment('A', 'say "hi" \\ 50% $HOME')).toBe('"A=say \\"hi\\" \\\\ 50%% $HOME"');
    expect(unitEnvironment('EMPTY', '')).toBe('"EMPTY="');
    expect(refused(() => unitEnvironment('BAD KEY', 'x'))).toBe('UNSAFE_VALUE');
    expect(refused(() => unitEnvironment('A', 'x\ny'))).toBe('UNSAFE_VALUE');
  });
});

describe('safeWord and safeInt', () => {
  test.each(['chat.example.test', '*.example.test', '[::1]:80', '/etc/portico/live', 'ghcr.io/a/b:main'])(
    'write %s bare',
    (value) => expect(safeWord(value)).toBe(value),
  );

  test.each(['a b', 'a;b', '{', '"', '$x', '#', 'a\\b', '%h', '', 'é'])('refuse %j', (value) => {
    expect(refused(() => safeWord(value))).toBe('UNSAFE_VALUE');
  });

  test('safeInt accepts non-negative integers only', () => {
    expect(safeInt(3600)).toBe(3600);
    expect(refused(() => safeInt(-1))).toBe('UNSAFE_VALUE');
    expect(refused(() => safeInt(1.5))).toBe('UNSAFE_VALUE');
    expect(refused(() => safeInt('1' as unknown as number))).toBe('UNSAFE_VALUE');
  });
});

describe('quoting round-trips any text it accepts (property)', () => {
  // How nginx and Apache read a double-quoted argument back: \" and \\ unescape, a bare " ends it.
  const unquote = (quoted: string) => {
    expect(quoted.startsWith('"') && quoted.endsWith('"')).toBe(true);
    const inner = quoted.slice(1, -1);
    expect(inner).not.toMatch(/(^|[^\\])(\\\\)*"/);
    return inner.replace(/\\([\\"])/g, '$1');
  };
  const text = fc.string({ unit: 'binary', maxLength: 60 });

  test('nginxString', () => {
    fc.assert(
      fc.property(text, (value) => {
        const result = refused(() => nginxString(value));
        if (result === 'written') expect(unquote(nginxString(value))).toBe(value.replace(LONE, '\uFFFD'));
        else expect(result).toBe('UNSAFE_VALUE');
      }),
      { numRuns: 2_000 },
    );
  });

  test('apacheHeaderValue', () => {
    fc.assert(
      fc.property(text, (value) => {
        const result = refused(() => apacheHeaderValue(value));
        if (result === 'written') {
          expect(unquote(apacheHeaderValue(value)).replace(/%%/g, '%')).toBe(value.replace(LONE, '\uFFFD'));
        } else expect(result).toBe('UNSAFE_VALUE');
      }),
      { numRuns: 2_000 },
    );
  });

  test('unitEnvironment never breaks the line or leaves a lone %', () => {
    fc.assert(
      fc.property(text, (value) => {
        if (refused(() => unitEnvironment('K', value)) !== 'written') return;
        const line = unitEnvironment('K', value);
        expect(line).not.toMatch(/[\n\r]/);
        expect(line.replace(/%%/g, '')).not.toContain('%');
        expect(unquote(line).replace(/%%/g, '%')).toMatch(/^K=/);
      }),
      { numRuns: 2_000 },
    );
  });
});
