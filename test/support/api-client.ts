/** A parsed response body: whatever JSON the test goes on to inspect. */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on the shape, the type system cannot
export type Json = any;

/** What a test looks at in a response: status, parsed JSON (or text) and headers. */
export interface ApiResponse<T = Json> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (malformed JSON, huge documents); content type stays application/json. */
  raw?: string;
  headers?: Record<string, string>;
  /** Give up after this long (default 60 s); a testssl scan on a loaded machine takes longer. */
  timeoutMs?: number;
}

export type Credential = { bearer: string } | { cookie: string } | null;

/**
 * A tiny HTTP client over fetch for the Portico API, bound to one credential: a session cookie,
 * a bearer token or nothing. The same client talks to in-process apps and spawned ones.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly credential: Credential = null,
  ) {}

  withBearer(token: string): ApiClient {
    return new ApiClient(this.baseUrl, { bearer: token });
  }

  withCookie(cookie: string): ApiClient {
    return new ApiClient(this.baseUrl, { cookie });
  }

  anonymous(): ApiClient {
    return new ApiClient(this.baseUrl, null);
  }

  get<T = Json>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, { headers });
  }

  post<T = Json>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, { body, headers });
  }

  patch<T = Json>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', path, { body, headers });
  }

  delete<T = Json>(path: string, headers?: Record<string, string>) {
    return this.request<T>('DELETE', path, { headers });
  }

  async request<T = Json>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.credential && 'bearer' in this.credential)
      headers.authorization = `Bearer ${this.credential.bearer}`;
    if (this.credential && 'cookie' in this.credential) {
      headers.cookie = this.credential.cookie;
      // What a browser on the dashboard sends; cookie-authenticated changes need it (CSRF rule).
      headers.origin ??= new URL(this.baseUrl).origin;
    }
    let payload: string | undefined = options.raw;
    if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    // A server that stops answering fails the test with a clear message instead of hanging it.
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
    const text = await res.text();
    let body: unknown = text;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
    return { status: res.status, body: body as T, text, headers: res.headers };
  }

  /** Logs in with email and password; the client returned carries the session cookie. */
  async login(email: string, password: string): Promise<ApiClient> {
    const res = await this.anonymous().post('/api/v1/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login as ${email} failed: ${res.status} ${res.text}`);
    return this.withCookie(sessionCookieOf(res));
  }
}

/** `portico_session=…` from a login response's Set-Cookie, ready for a Cookie header. */
export function sessionCookieOf(res: ApiResponse): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('portico_session='));
  if (!cookie) throw new Error(`no session cookie in ${res.status} response`);
  return cookie.split(';')[0]!;
}
