import { RenderError } from './render-error.js';

// Values written bare (unquoted) into any of the three syntaxes: hostnames, names, paths,
// addresses, image references. The set excludes every character that means something to
// nginx (; { } " ' # $ \ whitespace), Apache (" # < > ${ whitespace) or systemd (% $ \ quotes
// whitespace), so one check covers all three.
const WORD = /^[A-Za-z0-9._~:/[\]*@+=,-]+$/;

export function safeWord(value: unknown, what = 'value'): string {
  if (typeof value !== 'string' || !WORD.test(value)) {
    throw new RenderError(
      'UNSAFE_VALUE',
      `${what} ${JSON.stringify(value)} cannot be written into a config file`,
    );
  }
  return value;
}

export function safeInt(value: unknown, what = 'number'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RenderError('UNSAFE_VALUE', `${what} ${String(value)} is not a non-negative integer`);
  }
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * One line of text for a quoted value: refuses line breaks and other controls, which no quoting
 * carries safely. A lone UTF-16 surrogate has no UTF-8 form at all; it becomes U+FFFD here, as
 * it would in any UTF-8 writer, so the hash matches the bytes on disk.
 */
export function oneLine(value: unknown, what: string): string {
  if (typeof value !== 'string' || /[\x00-\x1f\x7f]/.test(value)) {
    throw new RenderError(
      'UNSAFE_VALUE',
      `${what} ${JSON.stringify(value)} must be one line of text without control characters`,
    );
  }
  return value.replace(LONE_SURROGATE, '\uFFFD');
}
