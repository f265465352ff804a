import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { LoopbackAddress } from '../fixtures/loopback-address.js';
import type { ApiClient } from '../support/api-client.js';
import { uniqueName } from '../support/factories.js';
import { ADMIN } from '../support/test-app.js';
import { DashboardHarness } from './dashboard-harness.js';
import {
  ARM_CLICK,
  CLICK_TIMING,
  type ClickTiming,
  COUNT_HEALTH_EVENTS,
  type Recorded,
  START_RECORDING,
  STOP_RECORDING,
} from './page-timing.js';

// The overview with 500 sites and 50 agents while health events stream in at about 10 per
// second: real probes of the API's health scheduler against endpoints that go up and down, whose
// state changes (the `fleet` topic carries transitions; single results go to a subject's own
// topic) fan out through the real gateway to the browser. The page's responsiveness is measured in the
// browser (animation-frame gaps, long tasks, a click's delay and time to the next frame) and
// printed; timings are not asserted, only that the page keeps up with what the events say.

/** What every agent points at: an SSH banner and an HTTP port that can be switched off and on. */
class FlappingEndpoints {
  private readonly ssh: TcpServer = createTcpServer((s) => s.end('SSH-2.0-OpenSSH_9.2 portico-test\r\n'));
  private readonly http: HttpServer = createHttpServer((_, res) => res.end('ok'));
  private listening = false;

  constructor(
    readonly address: string,
    readonly sshPort: number,
    readonly httpPort: number,
  ) {}

  async set(up: boolean): Promise<void> {
    if (up === this.listening) return;
    this.listening = up;
    if (up) {
      await new Promise<void>((r) => this.ssh.listen(this.sshPort, this.address, r));
      await new Promise<void>((r) => this.http.listen(this.httpPort, this.address, r));
    } else {
      this.http.closeAllConnections();
      await Promise.all([new Promise((r) => this.ssh.close(r)), new Promise((r) => this.http.close(r))]);
    }
  }
}

// 50 agents × 2 checks (SSH banner, proxy port) + 1 upstream target = 101 checks every 7 s,
// ~14 results/s. While the endpoints flap (a state per second), a check probed every 7 s, an odd
// number of seconds, mostly finds the other state than last time: with one result enough to go
// down or up, most results are transitions, ~10/s, and those reach the overview.
const HEALTH_ENV = {
  HEALTH_INTERVAL_SEC: '7',
  HEALTH_TIMEOUT_SEC: '1',
  HEALTH_REFRESH_SEC: '1',
  HEALTH_DEGRADE_AFTER: '1',
  HEALTH_DOWN_AFTER: '1',
  HEALTH_RISE_AFTER: '1',
  HEALTH_DRIFT_INTERVAL_SEC: '0',
};
const PHASE_MS = 10_000;
const CLICKS = 4;

interface Figures extends Recorded {
  clicks: ClickTiming[];
}

async function stopRecording(page: Page, clicks: ClickTiming[]): Promise<Figures> {
  return { ...((await page.evaluate(STOP_RECORDING)) as Recorded), clicks };
}

/** A real click on the overview's "only problems" filter, timed in the page; waits for its effect. */
async function click(page: Page): Promise<ClickTiming> {
  const filter = await page.getByTestId('overview').getAttribute('data-filter');
  await page.evaluate(ARM_CLICK);
  await page.getByTestId('only-problems').click();
  const measured = (await page.evaluate(CLICK_TIMING)) as ClickTiming;
  await page
    .locator(`[data-testid=overview][data-filter=${filter === 'all' ? 'problems' : 'all'}]`)
    .waitFor();
  return measured;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
};
const ms = (n: number) => `${n.toFixed(0)} ms`;

function describeFigures(label: string, f: Figures): string {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return [
    `${label}: ${f.results + f.transitions} health events in ${f.seconds.toFixed(1)} s (${((f.results + f.transitions) / f.seconds).toFixed(1)}/s: ${f.results} results, ${f.transitions} transitions)`,
    `  frames: ${f.frames.length} (${(f.frames.length / f.seconds).toFixed(0)}/s), gap median ${ms(percentile(f.frames, 50))}, p99 ${ms(percentile(f.frames, 99))}, max ${ms(Math.max(0, ...f.frames))}, gaps over 50 ms: ${f.frames.filter((g) => g > 50).length}; outside the clicks: max ${ms(Math.max(0, ...f.framesOutsideClicks))}, over 50 ms: ${f.framesOutsideClicks.filter((g) => g > 50).length}`,
    `  long tasks (>50 ms): ${f.longTasks.length}, total ${ms(sum(f.longTasks))}, longest ${ms(Math.max(0, ...f.longTasks))}; outside the clicks: ${f.longTasksOutsideClicks.length}, total ${ms(sum(f.longTasksOutsideClicks))}`,
    `  clicks on "only problems" (${f.clicks.length}): input delay max ${ms(Math.max(...f.clicks.map((c) => c.inputDelay)))}, input to next frame median ${ms(
      percentile(
        f.clicks.map((c) => c.nextFrame),
        50,
      ),
    )} / max ${ms(Math.max(...f.clicks.map((c) => c.nextFrame)))}; input events of 16 ms or more (Event Timing): ${f.slowEvents.length}${f.slowEvents.length ? `, longest ${ms(Math.max(...f.slowEvents))}` : ''}`,
  ].join('\n');
}

describe('overview under a stream of health events', () => {
  let h: DashboardHarness;
  let admin: ApiClient;
  let lease: LoopbackAddress;
  let endpoints: FlappingEndpoints;

  beforeAll(async () => {
    lease = LoopbackAddress.lease();
    endpoints = new FlappingEndpoints(lease.address, await lease.freePort(), await lease.freePort());
    await endpoints.set(true);
    h = await DashboardHarness.start('web_burst', HEALTH_ENV);
    admin = await h.app.admin();
  });

  afterAll(async () => {
    await h?.stop();
    await endpoints?.set(false);
    lease?.release();
  });

  it('keeps the 500-site overview responsive and current at ~10 health events per second (figures printed)', async () => {
    const prefix = uniqueName('burst');
    const up = await admin.post('/api/v1/upstreams', {
      name: `${prefix}-up`,
      targets: [{ host: endpoints.address, port: endpoints.httpPort }],
    });
    expect(up.status).toBe(201);
    for (let i = 0; i < 50; i += 10) {
      const created = await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          admin.post('/api/v1/agents', {
            name: `${prefix}-agent-${i + j}`,
            address: endpoints.address,
            sshPort: endpoints.sshPort,
            listenAddress: endpoints.address,
            httpPort: endpoints.httpPort,
          }),
        ),
      );
      expect(created.map((r) => r.status)).toEqual(Array(10).fill(201));
    }
    for (let i = 0; i < 500; i += 25) {
      const created = await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          admin.post('/api/v1/sites', {
            name: `${prefix}-site-${i + j}`,
            hostnames: [`s${i + j}.${prefix}.example.test`],
            routes: [{ pathPrefix: '/', upstream: up.body.name }],
          }),
        ),
      );
      expect(created.every((r) => r.status === 201)).toBe(true);
    }

    const page = await h.signedIn(ADMIN.email, ADMIN.password);
    await page.addInitScript({ content: COUNT_HEALTH_EVENTS });
    await page.goto(`${h.app.baseUrl}/`);
    await page.locator('[data-testid=overview][data-render-ms]').waitFor();
    await page.locator('.live.on').waitFor();
    expect(await page.locator('.tile').count()).toBe(550);
    // Every agent's checks ran at least once (they are spread over the 7 s interval).
    const green = page.locator('[data-agent] [data-health=up]');
    const deadline = Date.now() + 60_000;
    while ((await green.count()) < 50 && Date.now() < deadline) await page.waitForTimeout(500);
    expect(await green.count()).toBe(50);

    // Quiet: probes keep running, nothing changes state, so nothing reaches the overview.
    await page.evaluate(START_RECORDING);
    const quietClicks: ClickTiming[] = [];
    for (let i = 0; i < CLICKS; i++) {
      await page.waitForTimeout(PHASE_MS / CLICKS);
      quietClicks.push(await click(page));
    }
    const quiet = await stopRecording(page, quietClicks);

    // Burst: the endpoints go down and up every second, so about every other result is a
    // transition and tiles turn red and green.
    await page.evaluate(START_RECORDING);
    const flapClicks: ClickTiming[] = [];
    let down = false;
    const flapper = setInterval(() => {
      down = !down;
      void endpoints.set(!down);
    }, 1_000);
    let sawRed = 0;
    try {
      for (let i = 0; i < CLICKS; i++) {
        await page.waitForTimeout(PHASE_MS / CLICKS);
        sawRed = Math.max(sawRed, await page.locator('[data-agent] [data-health=down]').count());
        flapClicks.push(await click(page));
      }
    } finally {
      clearInterval(flapper);
    }
    const flapping = await stopRecording(page, flapClicks);
    await h.screenshot(page, 'overview-live');

    console.log(
      `overview with 500 sites / 50 agents, 101 checks every 7 s (figures, not asserted):\n${describeFigures('quiet', quiet)}\n${describeFigures('burst', flapping)}`,
    );

    // The page kept up with what the events said: red tiles appeared while flapping, and once
    // the endpoints stay up every agent is green again.
    expect(flapping.transitions).toBeGreaterThan(0);
    expect(sawRed).toBeGreaterThan(0);
    await endpoints.set(true);
    const settled = Date.now() + 60_000;
    while ((await green.count()) < 50 && Date.now() < settled) await page.waitForTimeout(500);
    expect(await green.count()).toBe(50);
    await page.context().close();
  });
});
