import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { uniqueName } from '../support/factories.js';
import { ADMIN } from '../support/test-app.js';
import { DashboardHarness } from './dashboard-harness.js';

// The dashboard in a real browser against the real API: sign-in, the upstream → site → preview
// flow with the API's inline validation errors, and what a viewer may not do.

describe('dashboard', () => {
  let h: DashboardHarness;
  let admin: ApiClient;

  beforeAll(async () => {
    h = await DashboardHarness.start('web_dashboard', { HEALTH_ENABLED: 'false' });
    admin = await h.app.admin();
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('refuses a wrong password, then signs in and shows the empty fleet with its first step', async () => {
    const page = await (await h.browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    await page.goto(h.app.baseUrl);
    await h.screenshot(page, 'login');
    await page.fill('input[name=email]', ADMIN.email);
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await page.getByRole('alert').getByText('Wrong email or password').waitFor();
    await page.fill('input[name=password]', ADMIN.password);
    await page.click('button[type=submit]');
    await page.getByTestId('overview').waitFor();
    expect(await page.getByTestId('role').textContent()).toBe('admin');
    await page.getByText('Your fleet is empty').waitFor();
    await h.screenshot(page, 'overview-empty');
    await page.context().close();
  });

  it('creates an upstream and a site in the forms, shows field errors from the API and the rendered preview', async () => {
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    const upstream = uniqueName('app');
    await page.getByRole('link', { name: 'Upstreams' }).click();
    await page.getByText('No upstreams yet').waitFor();
    await page.getByRole('link', { name: 'New upstream' }).click();
    await page.fill('input[name=name]', upstream);
    await page.fill('input[name=targets]', '10.0.0.5:8080, 10.0.0.6:8080');
    await page.getByRole('button', { name: 'Create upstream' }).click();
    await page.getByRole('link', { name: upstream }).waitFor();
    await h.screenshot(page, 'upstreams');

    await page.getByRole('link', { name: 'Sites', exact: true }).click();
    await page.getByRole('link', { name: 'New site' }).click();
    const site = uniqueName('shop');
    await page.fill('input[name=name]', site);
    await page.fill('input[name=hostnames]', 'shop.example.test, bad_host!');
    await page.getByLabel('Upstream').selectOption(upstream);
    await page.getByRole('button', { name: 'Create site' }).click();
    // The API's 400 details appear under the field they name.
    const hostError = page.locator('.field.invalid .field-error');
    await hostError.first().waitFor();
    expect(await hostError.first().textContent()).toMatch(/1/);
    await page.fill('input[name=hostnames]', 'shop.example.test, www.shop.example.test');
    await page.getByRole('button', { name: 'Create site' }).click();

    const preview = page.getByTestId('preview');
    await preview.locator('pre.config').first().waitFor();
    const nginx = await preview.locator('pre.config').allTextContents();
    expect(nginx.join('\n')).toContain('server_name shop.example.test www.shop.example.test');
    await h.screenshot(page, 'site-editor');
    await preview.getByRole('tab', { name: 'apache' }).click();
    await preview.getByText('ServerName shop.example.test').first().waitFor();

    // An edit re-renders the preview from the saved site.
    await page.fill('input[name=hostnames]', 'shop.example.test, shop2.example.test');
    await page.getByRole('button', { name: 'Save' }).click();
    await preview.getByText('ServerAlias shop2.example.test').first().waitFor();

    await page.getByRole('link', { name: 'All sites' }).click();
    await page.getByRole('link', { name: site }).waitFor();
    await page.getByLabel('Search sites').fill('no-such-site');
    await page.getByText('No site matches').waitFor();
    await page.getByLabel('Search sites').fill(site.slice(0, 8));
    await page.getByRole('link', { name: site }).waitFor();
    await h.screenshot(page, 'sites');
    await page.context().close();
  });

  it('a viewer sees everything, can change nothing, and the API refuses what the UI hides', async () => {
    const up = await admin.post('/api/v1/upstreams', {
      name: uniqueName('ro'),
      targets: [{ host: '10.0.0.9', port: 80 }],
    });
    const site = await admin.post('/api/v1/sites', {
      name: uniqueName('ro'),
      hostnames: [`${uniqueName('ro')}.example.test`],
      routes: [{ pathPrefix: '/', upstream: up.body.name }],
    });
    expect(site.status).toBe(201);
    const email = `${uniqueName('viewer')}@portico.test`;
    const created = await admin.post('/api/v1/users', {
      email,
      password: 'viewer-password-123',
      role: 'viewer',
    });
    expect(created.status).toBe(201);

    const page = await h.signedIn(email, 'viewer-password-123');
    expect(await page.getByTestId('role').textContent()).toBe('viewer');
    expect(await page.getByRole('link', { name: 'Users & tokens' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Sites', exact: true }).click();
    await page.getByRole('link', { name: site.body.name }).click();
    await page.getByText('Read-only: your role cannot change sites.').waitFor();
    expect(await page.getByRole('link', { name: 'New site' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    expect(await page.locator('input[name=name]').isDisabled()).toBe(true);
    await page.getByTestId('preview').locator('pre.config').first().waitFor();

    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByText('Ask an admin to add one').waitFor();
    await page.getByRole('link', { name: 'Deployments' }).click();
    await page.getByText('can watch deployments but not start them').waitFor();

    // The API enforces it too, with the browser's own session cookie.
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/v1/sites', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'sneaky', hostnames: ['sneaky.test'], routes: [] }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    await page.context().close();
  });

  it('renders the overview with 500 sites and 50 agents (figures printed, not asserted)', async () => {
    const up = await admin.post('/api/v1/upstreams', {
      name: uniqueName('bulk'),
      targets: [{ host: '10.1.0.1', port: 80 }],
    });
    const prefix = uniqueName('fleet');
    for (let i = 0; i < 50; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          admin.post('/api/v1/agents', { name: `${prefix}-agent-${i + j}`, address: `10.2.0.${i + j + 1}` }),
        ),
      );
    }
    for (let i = 0; i < 500; i += 25) {
      const res = await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          admin.post('/api/v1/sites', {
            name: `${prefix}-site-${i + j}`,
            hostnames: [`s${i + j}.${prefix}.example.test`],
            routes: [{ pathPrefix: '/', upstream: up.body.name }],
          }),
        ),
      );
      expect(res.every((r) => r.status === 201)).toBe(true);
    }
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    const started = Date.now();
    await page.goto(`${h.app.baseUrl}/`);
    const overview = page.locator('[data-testid=overview][data-render-ms]');
    await overview.waitFor();
    const wall = Date.now() - started;
    const renderMs = await overview.getAttribute('data-render-ms');
    const tiles = await page.locator('.tile').count();
    expect(tiles).toBeGreaterThanOrEqual(550);
    console.log(
      `overview with 500 sites / 50 agents: render after data ${renderMs} ms, navigation to rendered ${wall} ms, ${tiles} tiles`,
    );
    await h.screenshot(page, 'overview');
    await page.context().close();
  });
});
