import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from '../support/built-app.js';
import { type AppEnv, TestApp, WEB_DIST } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { ensureWebBuilt } from './web-build.js';

export { WEB_DIST };
export const SCREENSHOTS = join(REPO_ROOT, 'docs/screenshots');

/**
 * The built API serving the built dashboard (apps/web/dist, what `npm start` serves) on its own
 * test database, and a headless Debian Chromium driven by playwright-core.
 */
export class DashboardHarness {
  private constructor(
    readonly db: TestDatabase,
    readonly app: TestApp,
    readonly browser: Browser,
  ) {}

  static async start(label: string, env: AppEnv = {}): Promise<DashboardHarness> {
    await ensureWebBuilt();
    const db = await TestDatabase.create(label);
    const app = await TestApp.start({
      databaseUrl: db.url,
      env: { PORTICO_WEB_DIR: WEB_DIST, LOG_LEVEL: 'warn', ...env },
    });
    // playwright-core gives every launch a fresh, empty profile of its own.
    const browser = await chromium
      .launch({
        executablePath: process.env.PORTICO_CHROMIUM ?? '/usr/bin/chromium',
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      })
      .catch(async (error: unknown) => {
        await app.stop();
        await db.drop();
        throw error;
      });
    return new DashboardHarness(db, app, browser);
  }

  /** A fresh browser context (own cookies) at the dashboard, signed in as the given user. */
  async signedIn(email: string, password: string): Promise<Page> {
    const context = await this.browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    await page.goto(this.app.baseUrl);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.getByTestId('role').waitFor();
    return page;
  }

  async screenshot(page: Page, name: string): Promise<void> {
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await this.app?.stop();
    await this.db?.drop();
  }
}
