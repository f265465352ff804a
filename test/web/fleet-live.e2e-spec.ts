import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { agentDocFor } from '../fixtures/fleet-agent.js';
import { SshHost } from '../fixtures/ssh-host.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { FLEET_ENV } from '../fleet/fleet-app.js';
import type { ApiClient } from '../support/api-client.js';
import { uniqueName } from '../support/factories.js';
import { ADMIN } from '../support/test-app.js';
import { DashboardHarness } from './dashboard-harness.js';

// A real host (sshd + nginx on its own loopback address) managed from the dashboard: test the
// connection, deploy to it and watch the target reach success live, then stop the site's backend
// and watch its health turn red on the overview, and green again when it is back.

const HEALTH_ENV = {
  HEALTH_INTERVAL_SEC: '0.5',
  HEALTH_TIMEOUT_SEC: '1',
  HEALTH_REFRESH_SEC: '0.5',
  HEALTH_DEGRADE_AFTER: '1',
  HEALTH_DOWN_AFTER: '2',
  HEALTH_RISE_AFTER: '1',
};

describe('dashboard against a real host', () => {
  let h: DashboardHarness;
  let admin: ApiClient;
  let host: SshHost;
  let backend: TestUpstream;

  beforeAll(async () => {
    host = await SshHost.start({ flavor: 'nginx' });
    backend = await TestUpstream.start({ name: 'web' });
    h = await DashboardHarness.start('web_fleet', { ...FLEET_ENV, ...HEALTH_ENV });
    admin = await h.app.admin();
  });

  afterAll(async () => {
    await h?.stop();
    await backend?.stop();
    await host?.stop();
  });

  it('tests the connection, deploys, and shows a site going red and green with its backend', async () => {
    const agent = await admin.post('/api/v1/agents', agentDocFor(host));
    expect(agent.status).toBe(201);
    const upstream = await admin.post('/api/v1/upstreams', {
      name: uniqueName('web'),
      targets: [{ host: '127.0.0.1', port: backend.port }],
    });
    const siteName = uniqueName('live');
    const site = await admin.post('/api/v1/sites', {
      name: siteName,
      hostnames: [`${siteName}.example.test`],
      routes: [{ pathPrefix: '/', upstream: upstream.body.name }],
      agents: [agent.body.name],
    });
    expect(site.status).toBe(201);

    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('link', { name: agent.body.name }).click();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('test-result');
    await result.getByText('passed').waitFor({ timeout: 30_000 });
    await result.getByText('First contact: pinned host key').waitFor();
    expect(await page.getByTestId('host-key').textContent()).toMatch(/SHA256:/);
    await h.screenshot(page, 'agent');

    await page.getByRole('link', { name: 'Deployments' }).click();
    await page.getByText('Nothing deployed yet').waitFor();
    await page.getByLabel('pick agents').check();
    await page.getByLabel(agent.body.name).check();
    await page.getByRole('button', { name: 'Deploy' }).click();
    const target = page.locator(`[data-target="${agent.body.name}"]`);
    await target.waitFor();
    const ended = ['succeeded', 'unchanged', 'failed', 'rolled_back'].map(
      (s) => `[data-target="${agent.body.name}"][data-status="${s}"]`,
    );
    await page.locator(ended.join(', ')).waitFor({ timeout: 60_000 });
    // On failure, say what the page showed (status and the target's log), not just "timeout".
    expect({
      status: await target.getAttribute('data-status'),
      shown: await target.textContent(),
    }).toMatchObject({
      status: 'succeeded',
    });
    await page.getByTestId('deployment-status').getByText('succeeded').waitFor({ timeout: 10_000 });
    await h.screenshot(page, 'deployment');

    await page.getByRole('link', { name: 'Overview' }).click();
    const dot = (status: string) => page.locator(`[data-site="${siteName}"] [data-health="${status}"]`);
    const t0 = Date.now();
    await dot('up').waitFor({ timeout: 30_000 });
    const upAfter = Date.now() - t0;

    const port = backend.port;
    await backend.stop();
    const t1 = Date.now();
    await dot('down').waitFor({ timeout: 30_000 });
    const downAfter = Date.now() - t1;
    await h.screenshot(page, 'overview-site-down');

    backend = await TestUpstream.start({ name: 'web' }, port);
    const t2 = Date.now();
    await dot('up').waitFor({ timeout: 30_000 });
    const recoveredAfter = Date.now() - t2;
    console.log(
      `live health on the overview (interval 0.5 s, down after 2 failures): up shown ${upAfter} ms after opening, red ${downAfter} ms after the backend stopped, green ${recoveredAfter} ms after it came back`,
    );

    await page.getByRole('navigation').getByRole('link', { name: 'Health', exact: true }).click();
    await page.locator(`tr[data-check="site:${site.body.id}:http@${agent.body.id}"]`).click();
    await page.getByTestId('check-history').locator('svg.strip rect').first().waitFor();
    // The response-time chart has the outage in it: failed results among the answered ones.
    const chart = page.getByTestId('response-chart');
    await chart.waitFor();
    expect(Number(await chart.getAttribute('data-failures'))).toBeGreaterThan(0);
    expect(Number(await chart.getAttribute('data-samples'))).toBeGreaterThan(
      Number(await chart.getAttribute('data-failures')),
    );
    expect(await chart.locator('polyline').count()).toBe(1);
    await h.screenshot(page, 'health');

    // The doctor button: checks run from Portico and over SSH on the agent, problems first.
    await page.goto(`${h.app.baseUrl}/sites/${site.body.id}`);
    await page.getByRole('button', { name: 'Run doctor' }).click();
    const doctor = page.getByTestId('doctor');
    await doctor.getByTestId('doctor-status').waitFor({ timeout: 60_000 });
    const row = (code: string) => doctor.locator(`tr[data-code="${code}"]`).first();
    expect(await row('UPSTREAM_FROM_AGENT').getAttribute('data-status')).toBe('pass');
    expect(await row('CONFIG_DRIFT').getAttribute('data-status')).toBe('pass');
    expect(await row('CONFIG_VALID').getAttribute('data-status')).toBe('pass');
    await h.screenshot(page, 'doctor');
    await page.context().close();
  });
});
