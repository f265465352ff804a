import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { Pebble } from '../fixtures/pebble.js';
import { freePort } from '../fixtures/ports.js';
import { createTestPki } from '../fixtures/tls.js';
import type { ApiClient } from '../support/api-client.js';
import { uniqueName } from '../support/factories.js';
import { createUser } from '../support/role-clients.js';
import { ADMIN } from '../support/test-app.js';
import { DashboardHarness } from './dashboard-harness.js';

// The pages an admin works in besides sites: services with their systemd unit previews,
// certificate uploads and what the API refuses, the audit trail of what was just done, and
// users and tokens, all in a real browser against the real API (and Pebble, a real ACME CA, for
// registering an ACME account).

describe('admin pages', () => {
  let h: DashboardHarness;
  let admin: ApiClient;
  let work: string;
  let pebble: Pebble;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'portico-web-admin-'));
    // Registering an account needs no validation: nothing listens on these ports.
    pebble = await Pebble.start({ httpPort: await freePort(), dnsPort: await freePort() });
    const caFile = join(work, 'pebble-ca.pem');
    writeFileSync(caFile, pebble.tlsCa);
    h = await DashboardHarness.start('web_admin', {
      HEALTH_ENABLED: 'false',
      NODE_EXTRA_CA_CERTS: caFile,
      PORTICO_RENEWAL_SCHEDULER: 'off',
    });
    admin = await h.app.admin();
  });

  afterAll(async () => {
    await h?.stop();
    await pebble?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const nav = (page: Page, name: string) =>
    page.getByRole('navigation').getByRole('link', { name, exact: true }).click();

  it('creates the Ollama and Open WebUI presets, with the unit rendered as typed and the API’s field errors', async () => {
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    await nav(page, 'Services');
    await page.getByText('No services yet').waitFor();

    await page.getByRole('button', { name: 'New service' }).click();
    const form = page.getByRole('form', { name: 'Service' });
    const preview = page.getByTestId('unit-preview');
    await form.locator('input[name=name]').fill('ollama');
    await form.locator('select[name=kind]').selectOption('ollama');
    await form.locator('input[name=agents]').fill('ghost-agent');
    // The draft names an agent that does not exist: the preview says so before anything is saved…
    await preview.getByTestId('preview-incomplete').getByText('no agent named ghost-agent').waitFor();
    // …and so does the API on create, under the field.
    await form.getByRole('button', { name: 'Create service' }).click();
    await form.locator('.field.invalid .field-error').getByText('no agent named ghost-agent').waitFor();
    await form.locator('input[name=agents]').fill('');
    await preview.locator('pre.config').getByText('ExecStart=/usr/local/bin/ollama serve').waitFor();
    expect(await preview.locator('.file-path').textContent()).toBe('systemd/ollama.service');
    await form.getByRole('button', { name: 'Create service' }).click();
    await page.locator('tr[data-service=ollama]').waitFor();

    await page.getByRole('button', { name: 'New service' }).click();
    await form.locator('input[name=name]').fill('Open WebUI');
    await form.locator('select[name=kind]').selectOption('openwebui');
    await form.locator('input[name=image]').fill('ghcr.io/open-webui/open-webui:v0.6.5');
    await preview.getByTestId('preview-incomplete').getByText('name').first().waitFor();
    await form.getByRole('button', { name: 'Create service' }).click();
    const nameError = form.locator('.field.invalid .field-error');
    await nameError.first().waitFor();
    expect(await nameError.first().textContent()).toMatch(/lower-case letters/);
    await form.locator('input[name=name]').fill('open-webui');
    const unit = preview.locator('pre.config');
    await unit.getByText('ghcr.io/open-webui/open-webui:v0.6.5').waitFor();
    expect(await unit.textContent()).toMatch(/ExecStart=docker run --rm --name open-webui -p 3000:8080 /);
    await h.screenshot(page, 'services');
    await form.getByRole('button', { name: 'Create service' }).click();
    await page.locator('tr[data-service=open-webui]').waitFor();

    // A saved service's unit, as the next deployment writes it.
    await page.locator('tr[data-service=ollama]').getByRole('button', { name: 'show unit' }).click();
    await page.getByTestId('unit').getByText('Environment="OLLAMA_HOST=127.0.0.1:11434"').waitFor();
    const listed = await admin.get('/api/v1/services');
    expect(
      listed.body.items.map((s: { name: string; kind: string }) => `${s.name}:${s.kind}`).sort(),
    ).toEqual(['ollama:ollama', 'open-webui:openwebui']);
    await page.context().close();
  });

  it('refuses a key that does not match and a broken chain with the API’s reason, lists a good upload with its expiry', async () => {
    const domain = 'secure.example.test';
    const pki = createTestPki(join(work, 'good'), [domain, `www.${domain}`]);
    const other = createTestPki(join(work, 'other'), ['other.example.test']);
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    await nav(page, 'Certificates');
    const upload = page.getByRole('form', { name: 'Upload a certificate' });
    const rejection = upload.getByRole('alert');

    await upload.locator('textarea[name=chainPem]').fill(pki.chainPem);
    await upload.locator('textarea[name=keyPem]').fill(other.keyPem);
    await upload.getByRole('button', { name: 'Upload' }).click();
    await rejection
      .getByText('the private key does not belong to the first certificate of the chain')
      .waitFor();
    expect(await rejection.textContent()).toContain('CERTIFICATE_REJECTED');

    await upload.locator('textarea[name=chainPem]').fill('not a certificate');
    await upload.locator('textarea[name=keyPem]').fill(pki.keyPem);
    await upload.getByRole('button', { name: 'Upload' }).click();
    await rejection.getByText('chainPem holds no PEM certificate').waitFor();

    const [leaf] = pki.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    await upload.locator('textarea[name=chainPem]').fill(leaf!);
    await upload.locator('textarea[name=caPem]').fill(pki.caPem);
    await upload.getByRole('button', { name: 'Upload' }).click();
    await rejection.getByText('append the intermediate certificate').waitFor();
    expect((await admin.get('/api/v1/certificates')).body.total).toBe(0);

    await upload.locator('textarea[name=chainPem]').fill(pki.chainPem);
    await upload.getByRole('button', { name: 'Upload' }).click();
    const row = page.locator(`tr[data-certificate="${domain}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(`${domain}, www.${domain}`);
    expect(await row.getByTestId('expiry').textContent()).toMatch(/^in (29|30) days \(/);
    await row.getByText('valid', { exact: true }).waitFor();
    await row.getByText('not renewed by Portico').waitFor();
    await row.getByRole('button', { name: 'details' }).click();
    const detail = page.getByTestId('certificate-detail');
    await detail.getByText('Portico Test Intermediate').waitFor();
    await detail.getByTestId('no-renewals').waitFor();
    expect(await page.content()).not.toContain('PRIVATE KEY');

    // The ACME account form: the terms must be agreed to, a wrong directory URL is the CA's
    // refusal shown as is, and Pebble's directory registers an account.
    const acme = page.getByRole('form', { name: 'Add an ACME account' });
    await page.getByText('No ACME account yet').waitFor();
    const wrongUrl = pebble.directoryUrl.replace(/\/dir$/, '/no-such-directory');
    await acme.locator('input[name=directory]').fill(wrongUrl);
    await acme.getByRole('button', { name: 'Register account' }).click();
    await acme.getByText("You must agree to the CA's terms of service.").waitFor();
    await acme.getByLabel("I agree to the CA's terms of service").check();
    await acme.getByRole('button', { name: 'Register account' }).click();
    await acme.getByRole('alert').getByText(`no ACME directory at ${wrongUrl} (HTTP 404)`).waitFor();
    await acme.locator('input[name=directory]').fill(pebble.directoryUrl);
    await acme.locator('input[name=acme-email]').fill('certs@portico.test');
    await acme.getByRole('button', { name: 'Register account' }).click();
    const account = page.getByTestId('acme-accounts').locator('tr').filter({ hasText: pebble.directoryUrl });
    await account.waitFor({ timeout: 30_000 });
    expect(await account.textContent()).toContain('certs@portico.test');
    await h.screenshot(page, 'certificates');
    await page.context().close();
  });

  it('shows who did what and when in the audit log, and filters by actor and target type', async () => {
    const operatorUser = await createUser(admin, 'operator');
    const operator = await admin.login(operatorUser.email, operatorUser.password);
    const upstream = uniqueName('audited');
    expect(
      (
        await operator.post('/api/v1/upstreams', {
          name: upstream,
          targets: [{ host: '10.3.0.1', port: 80 }],
        })
      ).status,
    ).toBe(201);
    const site = uniqueName('audited');
    expect(
      (
        await operator.post('/api/v1/sites', {
          name: site,
          hostnames: [`${site}.example.test`],
          routes: [{ pathPrefix: '/', upstream }],
        })
      ).status,
    ).toBe(201);

    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    // One change made in the browser, by the admin.
    await nav(page, 'Upstreams');
    await page.getByRole('link', { name: 'New upstream' }).click();
    const mine = uniqueName('mine');
    await page.fill('input[name=name]', mine);
    await page.fill('input[name=targets]', '10.3.0.2:8080');
    await page.getByRole('button', { name: 'Create upstream' }).click();
    await page.getByRole('link', { name: mine }).waitFor();

    await nav(page, 'Audit log');
    const row = (action: string, name: string) =>
      page.locator(`tr[data-action="${action}"]`).filter({ hasText: name });
    await row('upstream.create', mine).waitFor();
    expect(await row('upstream.create', mine).textContent()).toContain(ADMIN.email);
    expect(await row('upstream.create', upstream).textContent()).toContain(operatorUser.email);
    expect(await row('site.create', site).textContent()).toContain(operatorUser.email);
    // "When": the time shown is the event's, within the last minutes.
    const at = await row('site.create', site).locator('td').first().getAttribute('title');
    expect(Date.now() - Date.parse(at ?? '')).toBeLessThan(10 * 60_000);
    await h.screenshot(page, 'audit');

    await page.getByLabel('Actor').fill(operatorUser.email);
    await row('upstream.create', mine).waitFor({ state: 'detached' });
    await row('site.create', site).waitFor();
    const actors = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(actors.every((a) => a.includes(operatorUser.email))).toBe(true);
    const actions = await page.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(actions.sort()).toEqual(['auth.login', 'site.create', 'upstream.create']);
    await page.getByLabel('Target type').selectOption('site');
    await row('upstream.create', upstream).waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Actor').fill('nobody@portico.test');
    await page.getByText('No changes recorded for this filter.').waitFor();
    await page.context().close();
  });

  it('adds users with a role, shows a token once then only its prefix, revokes it; a viewer gets no such page', async () => {
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    await nav(page, 'Users & tokens');
    const addUser = page.getByRole('form', { name: 'Add a user' });
    const viewerEmail = `${uniqueName('viewer')}@portico.test`;
    await addUser.locator('input[name=email]').fill(viewerEmail);
    await addUser.locator('input[name=password]').fill('short');
    await addUser.locator('select[name=role]').selectOption('viewer');
    await addUser.getByRole('button', { name: 'Add user' }).click();
    await addUser.getByText('must be at least 12 characters').waitFor();
    await addUser.locator('input[name=password]').fill('viewer-password-123');
    await addUser.getByRole('button', { name: 'Add user' }).click();
    const userRow = page.locator(`tr[data-user="${viewerEmail}"]`);
    await userRow.waitFor();
    expect(await userRow.getByLabel(`Role of ${viewerEmail}`).inputValue()).toBe('viewer');

    const tokenForm = page.getByRole('form', { name: 'Create a token' });
    const tokenName = uniqueName('ci');
    await tokenForm.locator('input[name=token-name]').fill(tokenName);
    await tokenForm.getByLabel('deploy').check();
    await tokenForm.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByTestId('new-token').locator('pre');
    await shown.waitFor();
    const secret = (await shown.textContent())!.trim();
    expect(secret.length).toBeGreaterThan(20);
    const tokenRow = page.locator(`tr[data-token="${tokenName}"]`);
    await tokenRow.waitFor();
    expect(await tokenRow.textContent()).toContain(`${secret.slice(0, 10)}…`);
    expect(await tokenRow.textContent()).toContain('read, deploy');
    const withToken = admin.anonymous().withBearer(secret);
    expect((await withToken.get('/api/v1/sites')).status).toBe(200);
    await h.screenshot(page, 'users');

    // Shown once: after a reload only the prefix is left, anywhere on the page.
    await page.reload();
    await tokenRow.waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await tokenRow.textContent()).toContain(secret.slice(0, 10));

    page.once('dialog', (d) => void d.accept());
    await tokenRow.getByRole('button', { name: 'revoke' }).click();
    await page.locator(`tr[data-token="${tokenName}"][data-revoked=yes]`).waitFor();
    expect((await withToken.get('/api/v1/sites')).status).toBe(401);
    await page.context().close();

    const viewer = await h.signedIn(viewerEmail, 'viewer-password-123');
    expect(await viewer.getByTestId('role').textContent()).toBe('viewer');
    expect(await viewer.getByRole('link', { name: 'Users & tokens' }).count()).toBe(0);
    await viewer.goto(`${h.app.baseUrl}/users`);
    await viewer.getByText('Only admins manage users and tokens.').waitFor();
    const status = await viewer.evaluate(async () => (await fetch('/api/v1/users')).status);
    expect(status).toBe(403);
    await viewer.context().close();
  });
});
