import { RenderError } from './render-error.js';
import { oneLine } from './safe-word.js';

/**
 * A double-quoted Apache argument. The config reader unescapes \" and \\ inside quotes, and
 * expands ${NAME} on every line before parsing it; there is no escape for that, so it is refused.
 */
export function apacheString(value: unknown, what = 'value'): string {
  const text = oneLine(value, what);
  if (text.includes('${')) {
    throw new RenderError(
      'UNSAFE_VALUE',
      `${what} ${JSON.stringify(text)} contains "\${", which Apache would expand`,
    );
  }
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * A literal value for mod_headers (Header / RequestHeader). mod_headers reads the value as a
 * format string (`%%` is a literal percent) and treats a leading `expr=` as an expression.
 */
export function apacheHeaderValue(value: unknown, what = 'header value'): string {
  const text = oneLine(value, what);
  if (/^expr=/i.test(text)) {
    throw new RenderError(
      'UNSAFE_VALUE',
      `${what} ${JSON.stringify(text)} would be read by Apache as an expression`,
    );
  }
  return apacheString(text.replace(/%/g, '%%'), what);
}

/** A path prefix as a literal inside a PCRE (RewriteRule); the prefix is already a safe word. */
export function regexLiteral(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);
}
