// What the logs never print (docs/operations.md, "Logs"). Three layers, because a secret can
// reach a log line by three roads: a known field (headers, a body field), a URL (a browser's
// WebSocket `?token=`), or text nobody planned for (an error message quoting its input).

const REDACTED = '[REDACTED]';

/** Fields removed from every line, wherever pino-http or a feature puts them. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.privateKey',
  '*.passphrase',
  '*.secret',
  '*.secretKey',
  '*.tsigSecret',
];

/** Query parameters whose value is a credential, by name. */
const SECRET_PARAM = /^(?:token|access_token|api[_-]?key|key|secret|password|passphrase|auth|session)$/i;

/** An API token anywhere in a text (tokens.service mints `ptk_` + 43 base64url characters). */
const API_TOKEN = /ptk_[\w-]{8,}/g;

/** The URL with credential-like query values and any API token masked. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url.replace(API_TOKEN, `ptk_${REDACTED}`);
  const params = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const [name = '', ...value] = pair.split('=');
      if (value.length && SECRET_PARAM.test(decodeURIComponentSafe(name))) return `${name}=${REDACTED}`;
      return pair;
    });
  return `${url.slice(0, query)}?${params.join('&')}`.replace(API_TOKEN, `ptk_${REDACTED}`);
}

/** The same for an already parsed query object (pino-http logs `req.query` as well). */
export function redactQuery(query: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!query || typeof query !== 'object') return query;
  return Object.fromEntries(
    Object.entries(query).map(([name, value]) => [
      name,
      SECRET_PARAM.test(name)
        ? REDACTED
        : typeof value === 'string'
          ? value.replace(API_TOKEN, `ptk_${REDACTED}`)
          : value,
    ]),
  );
}

/** The last net, on every serialized line before it is written: no API token survives. */
export function redactLine(line: string): string {
  return line.includes('ptk_') ? line.replace(API_TOKEN, `ptk_${REDACTED}`) : line;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
