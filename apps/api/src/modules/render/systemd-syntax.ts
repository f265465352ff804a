import { RenderError } from './render-error.js';
import { oneLine } from './safe-word.js';

// systemd refuses a whole assignment ("not UTF-8 clean") when a value holds a Unicode
// noncharacter (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF); they cannot be carried, so they become U+FFFD.
const NONCHARACTER = new RegExp(
  `[\\u{FDD0}-\\u{FDEF}${Array.from({ length: 17 }, (_, p) => `\\u{${(p * 0x10000 + 0xfffe).toString(16)}}\\u{${(p * 0x10000 + 0xffff).toString(16)}}`).join('')}]`,
  'gu',
);

function unitValue(value: unknown, what: string): string {
  return oneLine(value, what).replace(NONCHARACTER, '\uFFFD');
}

/**
 * Free text in a unit file (Description=, ExecStart=). `%` starts a specifier, so it is doubled;
 * a trailing backslash would join the next line onto this one, so it is refused.
 */
export function unitText(value: unknown, what = 'value'): string {
  const text = unitValue(value, what);
  if (text.endsWith('\\')) {
    throw new RenderError(
      'UNSAFE_VALUE',
      `${what} ${JSON.stringify(text)} ends with a backslash (a line continuation)`,
    );
  }
  return text.replace(/%/g, '%%');
}

/**
 * One `Environment=` assignment, double-quoted as systemd parses it: inside quotes it unescapes
 * C escapes (so \ and " are escaped) and, like everywhere in a unit, expands % specifiers.
 */
export function unitEnvironment(key: unknown, value: unknown): string {
  if (typeof key !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new RenderError('UNSAFE_VALUE', `environment name ${JSON.stringify(key)} is not a variable name`);
  }
  const text = unitValue(value, `environment value of ${key}`);
  return `"${key}=${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}
