import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { freePort } from '../fixtures/ports.js';
import type { ApiClient } from '../support/api-client.js';
import { agentDoc, serviceDoc, siteDoc, uniqueName, upstreamDoc } from '../support/factories.js';
import { ADMIN } from '../support/test-app.js';
import { DashboardHarness } from './dashboard-harness.js';

// The dashboard in a real Chromium under Portico's headers: every page runs under the CSP with
// no violation, the API docs page too (its own relaxations), and a page of another origin
// (same site: only the port differs, so the Lax session cookie is sent) cannot change anything
// with the signed-in user's cookie.

interface Violation {
  directive: string;
  blocked: string;
  page: string;
}

// In-page scripts are plain JavaScript strings: the test typecheck has no DOM library.
const RECORD_VIOLATIONS = `(() => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    window.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, page: location.href }),
  );
})()`;

describe('dashboard security in Chromium', () => {
  let h: DashboardHarness;
  let admin: ApiClient;
  let evil: Server;
  let evilOrigin: string;
  /** The HTML the attacker's page serves next; set by each test. */
  let evilPage = '';

  beforeAll(async () => {
    h = await DashboardHarness.start('web_security', { HEALTH_ENABLED: 'false' });
    admin = await h.app.admin();
    const port = await freePort();
    evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(evilPage));
    await new Promise<void>((resolve) => evil.listen(port, '127.0.0.1', resolve));
    evilOrigin = `http://127.0.0.1:${port}`;
  }, 150_000);

  afterAll(async () => {
    await h?.stop();
    await new Promise((r) => evil?.close(r));
  });

  /** A signed-in page that records every CSP violation report and console CSP error. */
  async function watchedPage(): Promise<{ page: Page; violations: () => Promise<Violation[]> }> {
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    await page.context().addInitScript(RECORD_VIOLATIONS);
    const console: Violation[] = [];
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text()))
        console.push({ directive: 'console', blocked: m.text(), page: page.url() });
    });
    return {
      page,
      violations: async () => [
        ...console,
        ...((await page.evaluate('window.__cspViolations ?? []')) as Violation[]),
      ],
    };
  }

  it('serves every dashboard page under its CSP with zero violations, with the security headers', async () => {
    const up = await admin.post('/api/v1/upstreams', upstreamDoc());
    const site = await admin.post('/api/v1/sites', siteDoc(up.body.name));
    const agent = await admin.post('/api/v1/agents', agentDoc());
    const service = await admin.post('/api/v1/services', serviceDoc({ agents: [agent.body.name] }));
    expect([up.status, site.status, agent.status, service.status]).toEqual([201, 201, 201, 201]);

    const { page, violations } = await watchedPage();
    const paths = [
      '/',
      '/sites',
      '/sites/new',
      `/sites/${site.body.id}`,
      '/upstreams',
      `/upstreams/${up.body.id}`,
      '/services',
      '/agents',
      '/agents/new',
      `/agents/${agent.body.id}`,
      '/certificates',
      '/deployments',
      '/health',
      '/audit',
      '/users',
    ];
    const seen: Violation[] = [];
    for (const path of paths) {
      const res = await page.goto(`${h.app.baseUrl}${path}`);
      await page.getByTestId('role').waitFor();
      await page.waitForLoadState('networkidle');
      seen.push(...(await violations()));
      const headers = res!.headers();
      expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(headers['content-security-policy']).toContain("script-src 'self'");
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['x-frame-options']).toBe('DENY');
      expect(headers).not.toHaveProperty('x-powered-by');
    }
    expect(seen).toEqual([]);
    // The API answers with the same headers.
    const api = await admin.get('/api/v1/sites');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('x-powered-by')).toBeNull();
    await page.context().close();
  }, 180_000);

  it('keeps the API docs (Swagger UI) working under their own policy', async () => {
    const { page, violations } = await watchedPage();
    const res = await page.goto(`${h.app.baseUrl}/api/docs`);
    expect(res!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.locator('.swagger-ui .opblock').first().waitFor();
    await page.waitForLoadState('networkidle');
    expect(await violations()).toEqual([]);
    await page.context().close();
  });

  it('refuses cross-origin forms and fetches that ride on the session cookie: nothing is created or ended', async () => {
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    const app = h.app.baseUrl;
    const email = `${uniqueName('csrf')}@evil.test`;
    const upstream = uniqueName('csrf-up');
    const forms: { action: string; enctype: string; fields: Record<string, string> }[] = [
      {
        action: '/api/v1/users',
        enctype: 'application/x-www-form-urlencoded',
        fields: { email, password: 'attacker-password-123', role: 'admin' },
      },
      {
        action: '/api/v1/tokens',
        enctype: 'multipart/form-data',
        fields: { name: 'stolen', scopes: 'admin' },
      },
      {
        action: '/api/v1/apply',
        enctype: 'text/plain',
        fields: { [`upstreams:\n  - name: ${upstream}\n    targets: [{host: 10.0.0.1, port: 80}]\n#`]: '' },
      },
    ];
    const tokensBefore = (await admin.get('/api/v1/tokens')).body.items.length;
    for (const form of forms) {
      const inputs = Object.entries(form.fields)
        .map(([k, v]) => `<textarea name="${escapeHtml(k)}">${escapeHtml(v)}</textarea>`)
        .join('');
      evilPage = `<!doctype html><form id="f" method="POST" action="${app}${form.action}" enctype="${form.enctype}">${inputs}</form>
        <script>document.getElementById('f').submit()</script>`;
      const answered = page.waitForResponse((r) => r.url().startsWith(`${app}${form.action}`));
      await page.goto(evilOrigin);
      const res = await answered;
      expect({ action: form.action, status: res.status() }).toEqual({ action: form.action, status: 415 });
    }

    // A fetch without a body passes the type rule; the Origin rule stops it (logout CSRF): the
    // session is still alive below.
    evilPage = `<!doctype html><script>
      fetch('${app}/api/v1/auth/logout', { method: 'POST', mode: 'no-cors', credentials: 'include' })
        .finally(() => { document.title = 'sent'; });
    </script>`;
    await page.goto(evilOrigin);
    await page.waitForFunction("document.title === 'sent'");

    // Nothing happened: no user, no token, no upstream, and the session still works.
    const users = (await admin.get('/api/v1/users')).body.items as { email: string }[];
    expect(users.map((u) => u.email)).not.toContain(email);
    expect((await admin.get('/api/v1/tokens')).body.items.length).toBe(tokensBefore);
    const ups = (await admin.get('/api/v1/upstreams?limit=500')).body.items as { name: string }[];
    expect(ups.map((u) => u.name)).not.toContain(upstream);
    await page.goto(app);
    await page.getByTestId('role').waitFor();
    expect(await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status)).toBe(200);

    // The dashboard's own changes (same origin) still go through.
    const created = await page.evaluate(async (name) => {
      const res = await fetch('/api/v1/upstreams', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, targets: [{ host: '10.0.0.2', port: 80 }] }),
      });
      return res.status;
    }, uniqueName('own'));
    expect(created).toBe(201);
    await page.context().close();
  });
});

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}
