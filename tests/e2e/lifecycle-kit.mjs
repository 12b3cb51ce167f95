// Helpers for the session-lifecycle tests (tests/e2e/lifecycle*.test.mjs), on top of harness.mjs:
//
// - one provider per test (startStack), so scenarios can run in parallel and every count at the
//   provider (dev.stats, and the grant log below) belongs to one scenario only;
// - a grant log with timestamps taken at the provider (oidc-provider's grant.success /
//   grant.error events, Node's clock), to tell *when* a refresh reached the server;
// - a spy on the plain demo page: the test routes /pkg-web/pixie_auth.js to a small wrapper
//   module that re-exports the real package and records each PkceClient the page uses (the
//   demo subscribes to its events, which is where the spy catches it) plus every event it
//   emits. The demo itself (www/) is untouched; the test can then call the demo's own client
//   (callApi, refresh, getSession) while the page keeps running, without reloading it;
// - an optional shifted clock (Date only, not timers or performance.now), as a page whose
//   system clock is wrong would have;
// - duplicating a tab the way a user does (window.open of the same URL: Chromium copies
//   sessionStorage into the new auxiliary browsing context).
//
// Every wait is bounded.

import './quiet-provider.mjs'; // first: before oidc-provider loads

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before } from 'node:test';

import { startDevServer } from '../../devserver/server.mjs';
import { launchChromium, Tab, WAIT } from './harness.mjs';

export { sleep };

/** One Chromium for the whole file; each test gets its own contexts. */
export function useBrowser() {
  const holder = { browser: null };
  before(async () => { holder.browser = await launchChromium(); });
  after(async () => { await holder.browser?.close(); });
  return holder;
}

/**
 * A provider of its own for test `t` (free ports, test controls on), stopped after the test.
 * Returns { dev, browser, grants }: `grants` is the provider-side log of token grants.
 */
export async function startStack(t, holder, serverOptions = {}) {
  assert.ok(holder.browser, 'the browser was started (useBrowser)');
  const dev = await startDevServer({ opPort: 0, demoPort: 0, testControls: true, ...serverOptions });
  t.after(() => dev.close());
  return { dev, browser: holder.browser, grants: watchGrants(dev) };
}

/**
 * Every grant the provider decided, in order: { at (Node ms), grantType, ok, error }.
 * Injected failures (dev.failToken) never reach the provider: they are in stats.token.failed_injected.
 */
export function watchGrants(dev) {
  const log = [];
  const grantType = (ctx) => ctx.oidc?.params?.grant_type ?? ctx.oidc?.body?.grant_type ?? null;
  dev.provider.on('grant.success', (ctx) => {
    log.push({ at: Date.now(), grantType: grantType(ctx), ok: true, error: null });
  });
  dev.provider.on('grant.error', (ctx, err) => {
    log.push({ at: Date.now(), grantType: grantType(ctx), ok: false, error: err?.error ?? String(err) });
  });
  return log;
}

/** The grants of one type (default refresh_token). */
export function grantsOf(grants, type = 'refresh_token') {
  return grants.filter((g) => g.grantType === type);
}

/** Waits (bounded by `timeout`) until `predicate()` is true; `what` names it in the failure. */
export async function until(predicate, what, timeout = WAIT, every = 100) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > end) assert.fail(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** The wrapper module served in place of /pkg-web/pixie_auth.js (see the header). */
const SPY_MODULE = (real) => `
import init, * as real from ${JSON.stringify(real)};
export * from ${JSON.stringify(real)};
export default init;

const EVENTS = ["tokenExpiring", "tokenRefreshed", "sessionExpired", "loggedOut", "storageFallback"];
const spy = (globalThis.__pixieSpy ??= { clients: [], events: [] });
const on = real.PkceClient.prototype.on;
real.PkceClient.prototype.on = function (...args) {
  if (!spy.clients.includes(this)) {
    spy.clients.push(this);
    for (const name of EVENTS) {
      // performance.timeOrigin + now(): real time, whatever Date says.
      on.call(this, name, (payload) => spy.events.push({
        name, payload, at: performance.timeOrigin + performance.now(),
      }));
    }
  }
  return on.apply(this, args);
};
`;

/** Routes the plain page's package to the spy wrapper, for every page of `context`. */
export async function installSpy(context, dev) {
  const path = '/pkg-web/pixie_auth.js';
  const real = `${path}?pixie-test-spy`;
  await context.route(
    (url) => url.origin === dev.demoOrigin && url.pathname === path && url.search === '',
    (route) => route.fulfill({
      status: 200,
      contentType: 'text/javascript',
      headers: { 'Cache-Control': 'no-store' },
      body: SPY_MODULE(real),
    }),
  );
}

/**
 * Shifts Date (Date.now(), new Date(), Date()) by `shiftMs` in every page of the context, before
 * any script runs. wasm-bindgen's js_sys::Date::now() calls Date.now(), so the library sees it;
 * timers and performance.now() are untouched, as on a machine whose clock is set wrong.
 */
function shiftClock(shiftMs) {
  const RealDate = Date;
  const now = () => RealDate.now() + shiftMs;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(now());
      else super(...args);
    }

    static now() { return now(); }
  }
  globalThis.Date = new Proxy(ShiftedDate, {
    apply: () => new ShiftedDate().toString(), // Date() without new: a string
  });
}

/**
 * A fresh context with one plain demo page, watched by a LifecycleTab: the spy is installed,
 * and the clock shifted when `clockShiftMs` is given.
 */
export async function openLifecycleTab(t, stack, { path = '/plain/', clockShiftMs = 0 } = {}) {
  const context = await stack.browser.newContext({ viewport: { width: 960, height: 640 } });
  t.after(() => context.close());
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  await installSpy(context, stack.dev);
  if (clockShiftMs) await context.addInitScript(shiftClock, clockShiftMs);
  const page = await context.newPage();
  return new LifecycleTab(stack.dev, context, page, path);
}

export class LifecycleTab extends Tab {
  /** Opens the page, waits until it settled and the spy saw the demo's client. */
  async open(url = this.url) {
    await super.open(url);
    await this.spyReady();
  }

  async spyReady() {
    await this.page.waitForFunction(() => globalThis.__pixieSpy?.clients.length > 0, null, { timeout: WAIT })
      .catch(() => assert.fail('the spy saw no PkceClient on the page (does the plain page still import '
        + '/pkg-web/pixie_auth.js and call client.on()?)'));
  }

  /**
   * The demo's client calls `path` through callApi: { status } when it resolved, { error } (the
   * PixieAuthError code) when it rejected.
   */
  async callApi(path = '/api/v2/users/me') {
    return this.page.evaluate(async (p) => {
      const client = globalThis.__pixieSpy.clients.at(-1);
      try {
        const response = await client.callApi(p);
        return { status: response.status };
      } catch (e) {
        return { error: e?.code ?? String(e) };
      }
    }, path);
  }

  /** `n` concurrent callApi calls from the page (started in the same task). */
  async callApiConcurrently(n, path = '/api/v2/users/me') {
    return this.page.evaluate(async ({ n: count, p }) => {
      const client = globalThis.__pixieSpy.clients.at(-1);
      const calls = Array.from({ length: count }, () => client.callApi(p).then(
        (r) => ({ status: r.status }),
        (e) => ({ error: e?.code ?? String(e) }),
      ));
      return Promise.all(calls);
    }, { n, p: path });
  }

  /** The demo's client refreshes now: { expiresAt, refreshCount } or { error }. */
  async refresh() {
    return this.page.evaluate(async () => {
      const client = globalThis.__pixieSpy.clients.at(-1);
      try {
        const s = await client.refresh();
        return { expiresAt: s.expiresAt, refreshCount: s.refreshCount };
      } catch (e) {
        return { error: e?.code ?? String(e) };
      }
    });
  }

  /** The demo's client's getSession(). */
  async session() {
    return this.page.evaluate(() => globalThis.__pixieSpy.clients.at(-1).getSession());
  }

  /** Events the library emitted in this page, oldest first: [{ name, payload, at }]. */
  async events(name) {
    const all = await this.page.evaluate(() => globalThis.__pixieSpy?.events ?? []);
    return name ? all.filter((e) => e.name === name) : all;
  }

  /** What the page shows: state, refresh count, last refresh, expiry, notice. */
  async shown() {
    return this.page.evaluate(() => {
      const $ = (s) => document.querySelector(s);
      const notice = $('#notice');
      return {
        state: $('#status')?.dataset.state,
        refreshCount: Number($('#refreshes')?.dataset.count ?? NaN),
        lastRefreshAt: Number($('#refreshes')?.dataset.lastRefreshAt || NaN),
        expiresAt: Number($('#expiry')?.dataset.expiresAt || NaN),
        notice: notice && !notice.hidden ? notice.textContent : null,
      };
    });
  }

  /** The page's Date.now() minus Node's (0 unless the clock is shifted). */
  async clockSkewMs() {
    const before = Date.now();
    const page = await this.page.evaluate(() => Date.now());
    return page - (before + Date.now()) / 2;
  }

  /**
   * Duplicates this tab as a user would: window.open of the same URL, which gives the new tab a
   * copy of this tab's sessionStorage. Returns the new tab, settled and spied on.
   */
  async duplicate() {
    const [page] = await Promise.all([
      this.context.waitForEvent('page', { timeout: WAIT }),
      this.page.evaluate(() => { window.open(window.location.href); }),
    ]);
    const twin = new LifecycleTab(this.dev, this.context, page, this.path);
    await page.waitForLoadState('domcontentloaded');
    await twin.settled();
    await twin.spyReady();
    return twin;
  }

  /** A new tab in the same browser (same origin, no copy of sessionStorage), on the demo. */
  async newSibling() {
    const page = await this.context.newPage();
    const tab = new LifecycleTab(this.dev, this.context, page, this.path);
    await tab.open();
    return tab;
  }
}

/** Token-endpoint POSTs the browser sent in `context` (Node timestamps), for timing checks. */
export function watchTokenRequests(context, dev) {
  const log = [];
  context.on('request', (req) => {
    if (req.method() === 'POST' && req.url() === dev.endpoints.token) {
      const form = new URLSearchParams(req.postData() ?? '');
      log.push({ at: Date.now(), grantType: form.get('grant_type') });
    }
  });
  return log;
}

/**
 * API requests (GET /api/v2/users/me) the browser sent in `context`, with their answers, in
 * the order the answers came: { at, status, authorization }. `await log.settled()` before
 * reading `authorization` (headers are read asynchronously).
 */
export function watchApi(context, dev) {
  const log = [];
  const reads = [];
  context.on('response', (res) => {
    if (res.url() !== dev.endpoints.usersMe || res.request().method() !== 'GET') return;
    const entry = { at: Date.now(), status: res.status(), authorization: null };
    log.push(entry);
    reads.push(res.request().allHeaders().then((h) => { entry.authorization = h.authorization ?? null; }, () => {}));
  });
  log.settled = () => Promise.all(reads);
  return log;
}
