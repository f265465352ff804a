import { RenderError } from './render-error.js';
import { oneLine } from './safe-word.js';

/**
 * A double-quoted nginx string. nginx unescapes \" and \\ inside quotes, so those are escaped;
 * `$` starts a variable in every value we write (add_header, proxy_set_header) and nginx has no
 * escape for it, so it is refused rather than silently interpolated.
 */
export function nginxString(value: unknown, what = 'value'): string {
  const text = oneLine(value, what);
  if (text.includes('$')) {
    throw new RenderError(
      'UNSAFE_VALUE',
      `${what} ${JSON.stringify(text)} contains "$", which nginx would expand`,
    );
  }
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
