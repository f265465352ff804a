import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { createUser } from '../support/role-clients.js';
import { ADMIN } from '../support/test-app.js';
import { DashboardHarness } from './dashboard-harness.js';

// The dashboard is one more door to the same write path (test/api/doors covers REST, /apply and
// /restore): an operator's forms get the answers the API gives, under the field they name, and
// nothing is stored.
let h: DashboardHarness;
let admin: ApiClient;
let operator: { email: string; password: string };

beforeAll(async () => {
  h = await DashboardHarness.start('form_doors');
  admin = await h.app.admin();
  operator = await createUser(admin, 'operator');
  // Open WebUI in Docker's bridge mode publishes 3000 → 8080: its upstream must target 3000.
  expect(
    (
      await admin.post('/api/v1/upstreams', {
        name: 'owui-front',
        kind: 'openwebui',
        targets: [{ host: '127.0.0.1', port: 3000 }],
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await admin.post('/api/v1/services', {
        name: 'owui',
        kind: 'openwebui',
        options: { upstream: 'owui-front', network: 'bridge', hostPort: 3000 },
        agents: [],
      })
    ).status,
  ).toBe(201);
});

afterAll(async () => {
  await h?.stop();
});

describe('the dashboard door', () => {
  it("shows an operator the invariant the API enforces, under the upstream's targets, and stores nothing", async () => {
    const page = await h.signedIn(operator.email, operator.password);
    await page.getByRole('link', { name: 'Upstreams' }).click();
    await page.getByRole('link', { name: 'owui-front' }).click();
    await page.fill('input[name=targets]', '127.0.0.1:8080');
    await page.getByRole('button', { name: 'Save' }).click();
    const error = page.locator('.field.invalid .field-error');
    await error.first().waitFor();
    expect(await error.first().textContent()).toMatch(/8080|3000|bridge/);
    const stored = (await admin.get('/api/v1/upstreams?q=owui-front')).body.items[0];
    expect(stored.targets).toEqual([expect.objectContaining({ host: '127.0.0.1', port: 3000 })]);
    await page.context().close();
  });

  it('offers an operator no way to add a host, and the form reached by its address is refused by the API', async () => {
    const page = await h.signedIn(operator.email, operator.password);
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByText('Ask an admin to add one.').waitFor();
    expect(await page.getByRole('link', { name: 'Add a host' }).count()).toBe(0);

    await page.goto(`${h.app.baseUrl}/agents/new`);
    await page.fill('input[name=name]', 'smuggled');
    await page.fill('input[name=address]', '127.0.0.1');
    await page.getByRole('button', { name: 'Add host' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('FORBIDDEN').waitFor();
    expect(await alert.textContent()).toContain('ask an admin');
    expect((await admin.get('/api/v1/agents')).body.total).toBe(0);
    await page.context().close();
  });

  it('lets an admin through the same form', async () => {
    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    await page.goto(`${h.app.baseUrl}/agents/new`);
    await page.fill('input[name=name]', 'edge');
    await page.fill('input[name=address]', '127.0.0.1');
    await page.getByRole('button', { name: 'Add host' }).click();
    await page.waitForURL(/\/agents\/[0-9a-f-]+\?new=1/);
    expect((await admin.get('/api/v1/agents')).body.items.map((a: { name: string }) => a.name)).toEqual([
      'edge',
    ]);
    await page.context().close();
  });

  it('follows the live socket when an admin changes the user: a demotion shows at once, a disabled user is back at the sign-in form', async () => {
    const who = await createUser(admin, 'operator');
    const page = await h.signedIn(who.email, who.password);
    // The agents page watches the fleet over the live socket.
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    expect(await page.getByTestId('role').textContent()).toBe('operator');

    expect((await admin.patch(`/api/v1/users/${who.id}`, { role: 'viewer' })).status).toBe(200);
    await page.getByTestId('role').getByText('viewer').waitFor({ timeout: 15_000 });

    expect((await admin.patch(`/api/v1/users/${who.id}`, { disabled: true })).status).toBe(200);
    await page.locator('input[name=password]').waitFor({ timeout: 15_000 });
    await page.context().close();
  });
});
