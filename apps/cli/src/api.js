// @ts-check
/** Exit codes: scripts act on these (docs/automation.md). */
export const EXIT = {
  OK: 0,
  /** The API refused or the operation failed (validation, conflict, a failed deployment). */
  FAILED: 1,
  /** Bad command line or configuration (no URL or token). */
  USAGE: 2,
  /** Portico could not be reached. */
  UNREACHABLE: 3,
  /** This Portico does not offer the endpoint (an older version, a feature not there yet). */
  UNAVAILABLE: 4,
  /** Authentication or permission refused. */
  DENIED: 5,
  /** deploy --wait: every host took the config, but some proxy answered 502/503/504 (a backend is down). */
  WARNINGS: 6,
};

export class CliError extends Error {
  /**
   * @param {string} message
   * @param {number} exitCode
   * @param {unknown} [body] the API's error body, shown with --json
   */
  constructor(message, exitCode, body) {
    super(message);
    this.exitCode = exitCode;
    this.body = body;
  }
}

/** A small client for the Portico REST API, authenticated with an API token. */
export class Api {
  /**
   * @param {string} baseUrl
   * @param {string} token
   */
  constructor(baseUrl, token) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.token = token;
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ json?: unknown, raw?: string, contentType?: string, accept?: string, allow?: number[] }} [options]
   * @returns {Promise<{ status: number, body: any, text: string, headers: Headers }>}
   */
  async request(method, path, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${this.token}` };
    let body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    }
    if (options.accept) headers.accept = options.accept;
    let res;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    } catch (error) {
      const c = /** @type {{ cause?: { code?: string, message?: string } }} */ (error).cause;
      const cause = c?.code ?? c?.message ?? String(error);
      throw new CliError(`cannot reach Portico at ${this.baseUrl} (${cause})`, EXIT.UNREACHABLE);
    }
    const text = await res.text();
    let parsed = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    if (res.status >= 400 && !(options.allow ?? []).includes(res.status))
      throw apiError(method, path, res.status, parsed);
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  /** @param {string} path */
  get(path) {
    return this.request('GET', path);
  }

  /**
   * @param {string} path
   * @param {unknown} [json]
   */
  post(path, json) {
    return this.request('POST', path, json === undefined ? {} : { json });
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {number} status
 * @param {any} body
 */
function apiError(method, path, status, body) {
  const message = typeof body === 'object' && body?.message ? body.message : `HTTP ${status}`;
  const details = Array.isArray(body?.details)
    ? body.details
        .map((/** @type {{field: string, message: string}} */ d) => `\n  ${d.field}: ${d.message}`)
        .join('')
    : '';
  const code = status === 401 || status === 403 ? EXIT.DENIED : EXIT.FAILED;
  return new CliError(`${method} ${path}: ${message}${details}`, code, body);
}
