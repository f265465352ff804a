// Scripts the browser tests run inside the page to measure responsiveness. They are plain
// JavaScript strings: the test typecheck has no DOM library, and they run in Chromium, not Node.

/** What START_RECORDING … STOP_RECORDING measured. */
export interface Recorded {
  seconds: number;
  /** health.result / health.transition messages the page's WebSocket received meanwhile. */
  results: number;
  transitions: number;
  /** Gaps between animation frames, ms. */
  frames: number[];
  /** Frame gaps that do not overlap a measured click (the cost of everything else), ms. */
  framesOutsideClicks: number[];
  /** Durations of long tasks (main thread busy over 50 ms), ms. */
  longTasks: number[];
  /** Long tasks that do not overlap a measured click, ms. */
  longTasksOutsideClicks: number[];
  /** Event Timing durations of input events that took 16 ms or more to handle and paint, ms. */
  slowEvents: number[];
}

/** A click: input delay (dispatch minus the input's timestamp) and input to the next frame. */
export interface ClickTiming {
  inputDelay: number;
  nextFrame: number;
}

/** Init script: counts the health events every WebSocket of the page receives. */
export const COUNT_HEALTH_EVENTS = `(() => {
  window.__health = { results: 0, transitions: 0 };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('message', (m) => {
        const kind = /"type":"health\\.(result|transition)"/.exec(String(m.data))?.[1];
        if (kind === 'result') window.__health.results++;
        else if (kind === 'transition') window.__health.transitions++;
      });
    }
  };
})()`;

export const START_RECORDING = `(() => {
  const rec = {
    t0: performance.now(),
    counts: { ...window.__health },
    frames: [],
    longTasks: [],
    slowEvents: [],
    clicks: [],
    observers: [],
    running: true,
  };
  window.__rec = rec;
  const longTasks = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) rec.longTasks.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  longTasks.observe({ type: 'longtask' });
  const events = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) rec.slowEvents.push(e.duration);
  });
  events.observe({ type: 'event', durationThreshold: 16 });
  rec.observers.push(longTasks, events);
  let last = performance.now();
  const tick = (t) => {
    rec.frames.push({ start: last, end: t });
    last = t;
    if (rec.running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

export const STOP_RECORDING = `(() => {
  const rec = window.__rec;
  rec.running = false;
  for (const o of rec.observers) o.disconnect();
  const frames = rec.frames.slice(1);
  const apart = (span) => !rec.clicks.some((c) => span.start < c.end && span.end > c.start);
  const length = (span) => span.end - span.start;
  return {
    seconds: (performance.now() - rec.t0) / 1000,
    results: window.__health.results - rec.counts.results,
    transitions: window.__health.transitions - rec.counts.transitions,
    frames: frames.map(length),
    framesOutsideClicks: frames.filter(apart).map(length),
    longTasks: rec.longTasks.map(length),
    longTasksOutsideClicks: rec.longTasks.filter(apart).map(length),
    slowEvents: rec.slowEvents,
  };
})()`;

/**
 * Arms a one-shot capture listener for the next click: it runs before the app's handlers, and
 * the first frame after them (requestAnimationFrame, then a task after that frame) ends the click.
 */
export const ARM_CLICK = `(() => {
  window.__click = new Promise((resolve) => {
    document.addEventListener('click', (e) => {
      const dispatched = performance.now();
      requestAnimationFrame(() =>
        setTimeout(() => {
          const end = performance.now();
          // Playwright moves the mouse and presses just before: count from a little earlier.
          window.__rec?.clicks.push({ start: e.timeStamp - 50, end });
          resolve({ inputDelay: dispatched - e.timeStamp, nextFrame: end - e.timeStamp });
        }, 0),
      );
    }, { capture: true, once: true });
  });
})()`;

export const CLICK_TIMING = 'window.__click';
