import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { agentDocFor } from '../fixtures/fleet-agent.js';
import { SshHost } from '../fixtures/ssh-host.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { FLEET_ENV } from '../fleet/fleet-app.js';
import { servedBy } from '../fleet/fleet-setup.js';
import type { ApiClient } from '../support/api-client.js';
import { uniqueName } from '../support/factories.js';
import { ADMIN } from '../support/test-app.js';
import { DashboardHarness } from './dashboard-harness.js';

// Operating a real host (sshd + nginx on its own loopback address) from the dashboard: add it
// with a generated key (the public key to authorize is shown), test the connection (the host key
// is pinned and shown), accept a changed host key, deploy twice and roll the second deployment
// back, see drift after a hand edit on the host, and read its hand-written configs as an import.

describe('fleet operations in the dashboard', () => {
  let h: DashboardHarness;
  let admin: ApiClient;
  let host: SshHost;
  let v1: TestUpstream;
  let v2: TestUpstream;

  beforeAll(async () => {
    host = await SshHost.start({ flavor: 'nginx' });
    [v1, v2] = await Promise.all([TestUpstream.start({ name: 'v1' }), TestUpstream.start({ name: 'v2' })]);
    h = await DashboardHarness.start('web_fleet_ops', { ...FLEET_ENV, HEALTH_ENABLED: 'false' });
    admin = await h.app.admin();
  });

  afterAll(async () => {
    await h?.stop();
    await Promise.all([v1?.stop(), v2?.stop()]);
    await host?.stop();
  });

  const nav = (page: Page, name: string) =>
    page.getByRole('navigation').getByRole('link', { name, exact: true }).click();

  /** Starts a deployment of one agent from the Deployments page and waits for its end there. */
  async function deployFromUi(page: Page, agent: string): Promise<string> {
    await nav(page, 'Deployments');
    await page.getByLabel('pick agents').check();
    await page.getByLabel(agent).check();
    await page.getByRole('button', { name: 'Deploy' }).click();
    await page.getByRole('link', { name: 'All deployments' }).waitFor();
    const status = page.getByTestId('deployment-status');
    await status
      .locator('.badge-succeeded, .badge-failed, .badge-partially_failed')
      .waitFor({ timeout: 60_000 });
    const target = page.locator(`[data-target="${agent}"]`);
    expect({
      status: await target.getAttribute('data-status'),
      shown: await target.textContent(),
    }).toMatchObject({
      status: 'succeeded',
    });
    return page.url().split('/').at(-1)!;
  }

  it('adds a host, tests it, accepts its new host key, deploys, rolls back, shows drift and an import', async () => {
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    const name = uniqueName('edge');

    // Add the host with a key pair Portico generates: the page shows the public key to authorize.
    await nav(page, 'Agents');
    await page.getByRole('link', { name: 'Add a host' }).click();
    const form = page.getByRole('form', { name: 'Agent' });
    await form.locator('input[name=name]').fill(name);
    await form.locator('input[name=address]').fill(host.address);
    await form.getByLabel('SSH port').fill(String(host.sshPort));
    await form.getByRole('button', { name: 'Add host' }).click();
    const publicKey = page.getByTestId('public-key');
    await publicKey.waitFor();
    const authorize = (await publicKey.textContent())!.trim();
    expect(authorize).toMatch(/^ssh-ed25519 AAAA\S+/);
    await page.locator('.callout').getByText('Public key to authorize on the host').waitFor();
    await h.screenshot(page, 'agent-add');
    const agent = (await admin.get(`/api/v1/agents?q=${name}`)).body.items.find(
      (a: { name: string }) => a.name === name,
    );

    // Not authorized yet: the test says the login failed, and pins nothing.
    const testButton = page.getByRole('button', { name: 'Test connection' });
    const result = page.getByTestId('test-result');
    const check = (c: string) => result.locator(`tr[data-check=${c}]`);
    await testButton.click();
    await result.getByText('failed', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await check('reachable').getAttribute('data-status')).toBe('pass');
    expect(await check('auth').getAttribute('data-status')).toBe('fail');
    expect(await check('proxy_binary').getAttribute('data-status')).toBe('skipped');
    expect(await page.getByTestId('host-key').textContent()).toBe('pinned on the first connection test');

    // The admin authorizes the key on the host; the test host's layout (config root, commands,
    // its own sites dir) is set through the API, as a real host would have it at the defaults.
    appendFileSync(join(host.dir, 'authorized_keys'), `\n${authorize}\n`);
    const {
      name: _n,
      address: _a,
      sshPort: _p,
      sshUser: _u,
      privateKey: _k,
      flavor: _f,
      ...layout
    } = agentDocFor(host);
    expect((await admin.patch(`/api/v1/agents/${agent.id}`, layout)).status).toBe(200);
    await page.reload();
    await testButton.click();
    await result.getByText('passed', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await check('auth').getAttribute('data-status')).toBe('pass');
    expect(await check('host_key').getAttribute('data-status')).toBe('pass');
    // First contact: the fingerprint to compare with the host's own, now pinned.
    await result.getByText(`First contact: pinned host key ${host.hostKeyFingerprint}`).waitFor();
    await page.getByTestId('host-key').getByText(host.hostKeyFingerprint).waitFor();

    // The host's key changes: the test fails on it, and the admin accepts the new one.
    const rotated = await host.rotateHostKey();
    await testButton.click();
    await result.getByText('failed', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await check('host_key').getAttribute('data-status')).toBe('fail');
    const offered = page.getByTestId('offered-host-key');
    await offered.getByText(rotated).waitFor();
    await h.screenshot(page, 'agent-host-key');
    await offered.getByRole('button', { name: 'Accept the new host key' }).click();
    await offered.waitFor({ state: 'detached' });
    expect(await page.getByTestId('host-key').textContent()).toBe(rotated);
    await testButton.click();
    await result.getByText('passed', { exact: true }).waitFor({ timeout: 30_000 });

    // Two deployments from the UI, then the second rolled back from its page.
    const upstream = await admin.post('/api/v1/upstreams', {
      name: uniqueName('app'),
      targets: [{ host: '127.0.0.1', port: v1.port }],
    });
    const hostname = `${uniqueName('ops')}.example.test`;
    const site = await admin.post('/api/v1/sites', {
      name: uniqueName('ops'),
      hostnames: [hostname],
      routes: [{ pathPrefix: '/', upstream: upstream.body.name }],
      agents: [name],
    });
    expect(site.status).toBe(201);
    await deployFromUi(page, name);
    expect(await servedBy(host, hostname, 'v1')).toBe('v1');
    await admin.patch(`/api/v1/upstreams/${upstream.body.id}`, {
      targets: [{ host: '127.0.0.1', port: v2.port }],
    });
    const second = await deployFromUi(page, name);
    expect(await servedBy(host, hostname, 'v2')).toBe('v2');

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('heading', { name: /^Rollback of revision \d+$/ }).waitFor();
    const status = page.getByTestId('deployment-status');
    await status
      .locator('.badge-succeeded, .badge-failed, .badge-partially_failed')
      .waitFor({ timeout: 60_000 });
    expect(await status.locator('.badge').textContent()).toBe('succeeded');
    expect(await page.locator(`[data-target="${name}"]`).getAttribute('data-status')).toBe('succeeded');
    expect(await servedBy(host, hostname, 'v1')).toBe('v1');
    const rollback = (await admin.get(`/api/v1/deployments/${page.url().split('/').at(-1)}`)).body;
    expect(rollback).toMatchObject({ kind: 'rollback', rollbackOfId: second, status: 'succeeded' });
    await h.screenshot(page, 'deployment-rollback');

    // A hand edit on the host: the drift check names the file.
    const siteFile = Object.keys(rollback.targets[0].fileHashes).find((p) => p.startsWith('nginx/sites/'))!;
    writeFileSync(join(host.configRoot, 'live', siteFile), '# edited by hand\n');
    await page.goto(`${h.app.baseUrl}/agents/${agent.id}`);
    await page.getByRole('button', { name: 'Check drift' }).click();
    const drift = page.locator('[data-testid=drift][data-in-sync=no]');
    await drift.waitFor({ timeout: 30_000 });
    await drift.locator('[data-drift=changed]').getByText(siteFile).waitFor();
    await drift.locator('[data-drift=handEdited]').getByText(siteFile).waitFor();

    // Hand-written configs already on the host, read as a proposal (nothing is created).
    writeFileSync(
      join(host.proxy.sitesDir, 'legacy.conf'),
      `upstream legacy_app {
    server 127.0.0.1:3000;
    server 127.0.0.1:3001;
}
server {
    listen ${host.address}:${host.httpPort};
    server_name legacy.example.test www.legacy.example.test;
    location / {
        proxy_pass http://legacy_app;
    }
    location /static/ {
        root /srv/legacy;
    }
}
`,
    );
    await page.getByRole('button', { name: 'Import existing configs' }).click();
    const proposal = page.getByTestId('import');
    await proposal.waitFor({ timeout: 30_000 });
    await proposal.getByText('127.0.0.1:3000, 127.0.0.1:3001').waitFor();
    await proposal.getByText('legacy.example.test, www.legacy.example.test').waitFor();
    await proposal.getByText(/root — .*static/).waitFor();
    await h.screenshot(page, 'agent-drift-import');
    expect((await admin.get('/api/v1/sites?q=legacy')).body.total).toBe(0);
    await page.context().close();
  });
});
