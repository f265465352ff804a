import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { uniqueName } from '../support/factories.js';
import { ADMIN } from '../support/test-app.js';
import { DashboardHarness } from './dashboard-harness.js';

// The site form renders what it holds while it is typed, before anything is saved: the API
// renders the draft (POST /sites/render-preview) and the preview follows each change.

describe('live preview of an unsaved site', () => {
  let h: DashboardHarness;
  let admin: ApiClient;

  beforeAll(async () => {
    h = await DashboardHarness.start('web_preview', { HEALTH_ENABLED: 'false' });
    admin = await h.app.admin();
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('follows a new site as it is typed, with missing fields and render errors, before it is saved', async () => {
    const upstream = uniqueName('blog');
    expect(
      (await admin.post('/api/v1/upstreams', { name: upstream, targets: [{ host: '10.4.0.1', port: 8080 }] }))
        .status,
    ).toBe(201);
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    const previews: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/sites/render-preview')) previews.push(r.postData() ?? '');
    });
    await page.goto(`${h.app.baseUrl}/sites/new`);
    await page.getByText('appears here as you type').waitFor();

    const site = uniqueName('blog');
    await page.fill('input[name=name]', site);
    const preview = page.getByTestId('preview');
    // No upstream picked yet: the preview lists what is missing instead of failing.
    await preview.getByTestId('preview-incomplete').getByText('routes.0.upstream').waitFor();
    await page.fill('input[name=hostnames]', 'blog.example.test');
    await page.getByLabel('Upstream').selectOption(upstream);
    const config = preview.locator('pre.config').first();
    await config.getByText('server_name blog.example.test;').waitFor();
    expect(await preview.getAttribute('data-draft')).toBe('unsaved');

    // Typed key by key: the preview catches up with the last key, not with every one.
    const before = previews.length;
    const typed = ', www.blog.example.test';
    await page.locator('input[name=hostnames]').pressSequentially(typed, { delay: 25 });
    await config.getByText('server_name blog.example.test www.blog.example.test;').waitFor();
    const sent = previews.length - before;
    expect(JSON.parse(previews.at(-1)!).hostnames).toEqual(['blog.example.test', 'www.blog.example.test']);
    console.log(`live preview: ${typed.length} keystrokes (25 ms apart) caused ${sent} render requests`);
    await preview.getByRole('tab', { name: 'apache' }).click();
    await preview.getByText('ServerAlias www.blog.example.test').waitFor();
    await preview.getByRole('tab', { name: 'nginx' }).click();

    // A bad hostname: listed in the preview under its field, the last good render stays dimmed.
    await page.fill('input[name=hostnames]', 'blog.example.test, bad_host!');
    await preview.getByTestId('preview-incomplete').getByText('hostnames.1').waitFor();
    expect(await preview.locator('.stale pre.config').count()).toBeGreaterThan(0);
    await page.fill('input[name=hostnames]', 'blog.example.test, www.blog.example.test');
    await preview.getByTestId('preview-incomplete').waitFor({ state: 'detached' });
    await h.screenshot(page, 'site-draft-preview');

    // A route a save would refuse: the same 422 message and code, straight from the API.
    await page.getByRole('button', { name: '+ add route' }).click();
    await page.getByLabel('Path prefix').nth(1).fill('/.well-known/acme-challenge/app');
    await page.getByLabel('Upstream').nth(1).selectOption(upstream);
    await preview.getByRole('alert').getByText('This site cannot be rendered').waitFor();
    expect(await preview.getByRole('alert').textContent()).toMatch(/acme-challenge.*INVARIANT_VIOLATED/);
    await page.getByRole('button', { name: 'remove' }).nth(1).click();
    await preview.getByRole('alert').waitFor({ state: 'detached' });

    // Nothing of this was stored.
    expect((await admin.get('/api/v1/sites')).body.total).toBe(0);
    await page.getByRole('button', { name: 'Create site' }).click();
    await page.getByRole('heading', { name: `Site ${site}` }).waitFor();
    await page.locator('[data-testid=preview][data-draft=saved][data-state=ready]').waitFor();
    await preview.getByText(/as saved \(revision \d+\)/).waitFor();

    // Editing a saved site: the preview shows the edit before the save; the saved render has not moved.
    await page.fill('input[name=hostnames]', 'blog.example.test, www.blog.example.test, news.example.test');
    // (The canonical name first, the others sorted.)
    await config
      .getByText('server_name blog.example.test news.example.test www.blog.example.test;')
      .waitFor();
    expect(await preview.getAttribute('data-draft')).toBe('unsaved');
    const id = page.url().split('/').at(-1);
    const saved = await admin.get(`/api/v1/sites/${id}/render`);
    expect(saved.body.files.map((f: { content: string }) => f.content).join('\n')).not.toContain(
      'news.example.test',
    );
    await page.context().close();
  });
});
