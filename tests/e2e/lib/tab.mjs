// A Tab: one demo page in a browser context, driven the way a user does (log in on the
// provider's pages, reload, duplicate the tab) and watched (console, requests, secrets seen on
// the wire, storage, what the page shows, and with the spy the page's own client and events).

import assert from 'node:assert/strict';

import { CONSTANTS, errorCode, eventName, storageKeys } from '../../shared/constants.mjs';
import { newContext, WAIT } from './browser.mjs';
import { installClockShift, installSpy } from './spy.mjs';

/** The two demo pages: the same behaviour, loaded two ways. */
export const PAGES = [
  { name: 'webpack page', path: '/' },
  { name: 'plain page', path: '/plain/' },
];

/** The guest chat page (GuestTokenSource, www/plain/guest.html). */
export const GUEST_PAGE = '/plain/guest.html';

/**
 * A fresh browser context (no cookies, no storage) of `stack`'s Chromium, closed after test `t`,
 * with one page for `path` watched by a Tab (not loaded yet: call tab.open()).
 *
 * - `spy`: route the plain page's package through the spy (spy.mjs), for callApi(), refresh(),
 *   session() and events(); open() then also waits until the spy saw the page's client.
 * - `clockShiftMs`: Date in every page of the context runs this far ahead (negative: behind).
 */
export async function openTab(t, stack, path = '/', { spy = false, clockShiftMs = 0 } = {}) {
  const context = await newContext(stack.browser);
  t.after(() => context.close());
  if (spy) await installSpy(context, stack.dev);
  if (clockShiftMs) await installClockShift(context, clockShiftMs);
  const page = await context.newPage();
  return new Tab({ dev: stack.dev, context, page, path, spied: spy });
}

export class Tab {
  /** Use openTab(), duplicate() or newSibling(). */
  constructor({ dev, context, page, path, spied = false }) {
    this.dev = dev;
    this.context = context;
    this.page = page;
    this.path = path;
    this.spied = spied;
    this.url = `${dev.demoOrigin}${path}`;
    /** Console messages ({ text, url }: the document or script they came from) and uncaught errors. */
    this.console = [];
    this.pageErrors = [];
    /** Every request the context made: { url, method, referer }. */
    this.requests = [];
    /**
     * Secrets seen on the wire: authorization codes, verifiers, tokens, and the guest tokens the
     * guest token endpoint handed out (which must not even reach Web Storage, a cookie or any
     * request URL).
     */
    this.secrets = { codes: new Set(), verifiers: new Set(), tokens: new Set(), guestTokens: new Set() };
    /** The POSTs to the guest token endpoint: { at (ms), authorization (whether one was sent), body }. */
    this.guestRequests = [];
    this.bodyReads = [];
    /** Bodies of the token endpoint's answers, in order (see lastTokenResponse()). */
    this.tokenResponses = [];
    /** The sessionStorage keys of this client's session and pending login. */
    this.keys = storageKeys(dev.clientId);

    page.on('console', (msg) => this.console.push({ text: msg.text(), url: msg.location()?.url ?? '' }));
    page.on('pageerror', (err) => this.pageErrors.push(String(err?.stack ?? err)));
    context.on('request', (req) => this.#onRequest(req));
    context.on('response', (res) => this.#onResponse(res));
  }

  #onRequest(req) {
    const url = new URL(req.url());
    this.requests.push({ url: req.url(), method: req.method(), referer: req.headers().referer ?? '' });
    if (req.method() === 'POST' && req.url() === this.dev.guest?.endpoints.guestToken) {
      this.guestRequests.push({ at: Date.now(), authorization: 'authorization' in req.headers(), body: req.postData() });
    }
    if (url.origin === this.dev.demoOrigin && url.searchParams.has('code')) {
      this.secrets.codes.add(url.searchParams.get('code'));
    }
    if (req.method() === 'POST' && req.url() === this.dev.endpoints.token) {
      const form = new URLSearchParams(req.postData() ?? '');
      if (form.get('code')) this.secrets.codes.add(form.get('code'));
      if (form.get('code_verifier')) this.secrets.verifiers.add(form.get('code_verifier'));
    }
  }

  #onResponse(res) {
    if (res.url() === this.dev.guest?.endpoints.guestToken && res.request().method() === 'POST') {
      this.bodyReads.push(res.json().then((body) => {
        if (typeof body?.accessToken === 'string') this.secrets.guestTokens.add(body.accessToken);
      }, () => {}));
      return;
    }
    if (res.url() !== this.dev.endpoints.token || res.request().method() !== 'POST') return;
    this.bodyReads.push(res.json().then((body) => {
      this.tokenResponses.push(body);
      for (const name of ['access_token', 'refresh_token', 'id_token']) {
        if (typeof body?.[name] === 'string') this.secrets.tokens.add(body[name]);
      }
    }, () => {}));
  }

  // ---- Navigation and the page's state ----

  /** Opens the demo page and waits until it has settled (signed in or out), and for the spy. */
  async open(url = this.url) {
    await this.page.goto(url);
    await this.settled();
    if (this.spied) await this.spyReady();
  }

  /**
   * Waits until the page shows a final state, and returns it: signed in or out on the login
   * pages; on the guest chat page, a token held ("ready") or none ("no-token").
   */
  async settled() {
    const status = this.page.locator(['logged-in', 'logged-out', 'ready', 'no-token']
      .map((state) => `#status[data-state="${state}"]`).join(', '));
    await status.waitFor();
    return status.getAttribute('data-state');
  }

  async waitForState(state) {
    await this.page.locator(`#status[data-state="${state}"]`).waitFor();
  }

  /** The demo's error box: { code, oauthError, text }, or null when hidden. */
  async error() {
    const box = this.page.locator('#error');
    if (await box.isHidden()) return null;
    return {
      code: await box.getAttribute('data-code'),
      oauthError: await box.getAttribute('data-oauth-error'),
      text: (await box.innerText()).trim(),
    };
  }

  /** Waits for the error box to show `code` (one of the library's codes), and returns it. */
  async expectError(code) {
    await this.page.locator(`#error[data-code="${errorCode(code)}"]`).waitFor();
    return this.error();
  }

  async profile() {
    const field = (name) => this.page.locator(`#profile [data-field="${name}"]`).innerText();
    return { name: await field('name'), email: await field('email'), id: await field('id') };
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

  /** pixie's records in this tab's sessionStorage, and localStorage's size, for the demo origin. */
  async storage() {
    return this.page.evaluate(({ keys: { session, pending }, namespace, documents }) => ({
      session: sessionStorage.getItem(session),
      pending: sessionStorage.getItem(pending),
      // The library's records (sessions, pending logins), apart from the tab's copies of the
      // provider's public documents (discovery, JWK Set), listed in documentKeys.
      pixieKeys: Object.keys(sessionStorage)
        .filter((k) => k.startsWith(namespace) && !k.startsWith(documents)),
      documentKeys: Object.keys(sessionStorage).filter((k) => k.startsWith(documents)).sort(),
      localStorageLength: localStorage.length,
    }), { keys: this.keys, namespace: CONSTANTS.storage.namespace, documents: CONSTANTS.storage.documentPrefix });
  }

  // ---- The guest chat page (GUEST_PAGE) ----

  /**
   * What the guest chat page shows: its state, the token's expiry and renewals, the chat's
   * state and guest id, the messages, and every event it logged ({ event, at, expiresAt,
   * refreshCount, lastRefreshAt, code, retryAt }, numbers as numbers).
   */
  async guestShown() {
    return this.page.evaluate(() => {
      const $ = (s) => document.querySelector(s);
      const num = (v) => (v === undefined || v === '' ? null : Number(v));
      return {
        state: $('#status').dataset.state,
        expiresAt: num($('#expiry').dataset.expiresAt),
        refreshCount: Number($('#refreshes').dataset.count),
        chatState: $('#chat').dataset.state,
        guestId: $('#chat-state').dataset.guestId ?? null,
        messages: [...document.querySelectorAll('#messages li')].map((li) => li.textContent),
        events: [...document.querySelectorAll('#events li')].map((li) => ({
          event: li.dataset.event,
          at: num(li.dataset.at),
          expiresAt: num(li.dataset.expiresAt),
          refreshCount: num(li.dataset.refreshCount),
          lastRefreshAt: num(li.dataset.lastRefreshAt),
          code: li.dataset.code ?? null,
          retryAt: num(li.dataset.retryAt),
        })),
      };
    });
  }

  /** Types `text` into the guest chat and sends it. */
  async sendChat(text) {
    await this.page.locator('#message').fill(text);
    await this.page.locator('#send').click();
  }

  // ---- Logging in through the provider's pages ----

  /**
   * Clicks "Log in", waits for the provider's sign-in page, and returns this tab's pending login
   * as stored meanwhile. To read it, the tab goes Back to the demo (a fresh load, which leaves
   * a pending login alone), reads sessionStorage, and goes Forward to the sign-in page again.
   * Tests check that the callback deletes the record; its verifier joins the secrets that must
   * never show up anywhere.
   */
  async startLogin() {
    const signInPage = this.page.locator('input[name="login"]');
    await this.page.locator('#login').click();
    await signInPage.waitFor();
    await this.page.goBack();
    assert.equal(await this.settled(), 'logged-out');
    const { pending } = await this.storage();
    await this.page.goForward();
    await signInPage.waitFor();
    assert.ok(pending, 'login() stored a pending login before leaving');
    const record = JSON.parse(pending);
    this.secrets.verifiers.add(record.codeVerifier);
    return record;
  }

  /** Signs in on the provider's dev login page (any password works). */
  async signIn(login = 'Ada Lovelace') {
    await this.page.locator('input[name="login"]').fill(login);
    await this.page.locator('input[name="password"]').fill('any password');
    await this.page.locator('button.login-submit').click();
  }

  /** Grants consent on the provider's dev consent page. */
  async consent() {
    await this.page.locator('button.login-submit:has-text("Continue")').click();
  }

  /** Cancels on the provider's dev pages: the provider answers error=access_denied. */
  async cancel() {
    await this.page.locator('a:has-text("[ Cancel ]")').click();
  }

  /** The whole happy path from a signed-out page: returns the pending record. */
  async logIn(login = 'Ada Lovelace') {
    const pending = await this.startLogin();
    await this.signIn(login);
    await this.consent();
    await this.waitForState('logged-in');
    return pending;
  }

  /**
   * Lets the next redirect back to the demo land without being handled, and returns its URL:
   * the code stays unused, for the test to tamper with or to open elsewhere. The demo cannot
   * start while /config.json is refused, so the callback page shows an error and leaves the
   * URL and the pending login alone. (page.route cannot stop the redirect itself: Playwright
   * routes only the first request of a redirect chain.) Call before the step that triggers the
   * redirect; call the returned function after it.
   */
  async holdCallback() {
    const config = `${this.dev.demoOrigin}/config.json`;
    await this.page.route(config, (route) => route.abort());
    return async () => {
      await this.page.waitForURL((url) => url.origin === this.dev.demoOrigin
        && (url.searchParams.has('code') || url.searchParams.has('error')));
      await this.waitForState('error');
      await this.page.unroute(config);
      return this.page.url();
    };
  }

  /** The last token endpoint answer this tab got. */
  async lastTokenResponse() {
    await Promise.all(this.bodyReads);
    return this.tokenResponses.at(-1);
  }

  /** Requests made since `mark` (an index into this.requests). */
  requestsSince(mark) {
    return this.requests.slice(mark);
  }

  // ---- More tabs ----

  /**
   * Duplicates this tab as a user would: window.open of the same URL, which gives the new tab a
   * copy of this tab's sessionStorage (Chromium copies it into the new auxiliary browsing
   * context). Returns the new tab, settled (and spied on, as this one is).
   */
  async duplicate() {
    const [page] = await Promise.all([
      this.context.waitForEvent('page', { timeout: WAIT }),
      this.page.evaluate(() => { window.open(window.location.href); }),
    ]);
    const twin = this.#sameKind(page);
    await page.waitForLoadState('domcontentloaded');
    await twin.settled();
    if (twin.spied) await twin.spyReady();
    return twin;
  }

  /** A new tab in the same browser (same origin, no copy of sessionStorage), opened on the demo. */
  async newSibling() {
    const tab = this.#sameKind(await this.context.newPage());
    await tab.open();
    return tab;
  }

  #sameKind(page) {
    return new Tab({ dev: this.dev, context: this.context, page, path: this.path, spied: this.spied });
  }

  // ---- The page's own client, through the spy (openTab(..., { spy: true })) ----

  /** Waits until the spy saw the demo's client. */
  async spyReady() {
    this.#assertSpied();
    await this.page.waitForFunction(() => globalThis.__pixieSpy?.clients.length > 0, null, { timeout: WAIT })
      .catch(() => assert.fail('the spy saw no PkceClient on the page (does the plain page still import '
        + '/pkg-web/pixie_auth.js and call client.on()?)'));
  }

  /**
   * The demo's client calls `path` through callApi: { status } when it resolved, { error } (the
   * PixieAuthError code) when it rejected.
   */
  async callApi(path = '/api/v2/users/me') {
    this.#assertSpied();
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
    this.#assertSpied();
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
    this.#assertSpied();
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
    this.#assertSpied();
    return this.page.evaluate(() => globalThis.__pixieSpy.clients.at(-1).getSession());
  }

  /**
   * Events the library emitted in this page, oldest first: [{ name, payload, at }]; `name`
   * filters. Every payload's `origin`, `reason` and `code` must be values the crate defines.
   */
  async events(name) {
    this.#assertSpied();
    if (name !== undefined) eventName(name);
    const all = await this.page.evaluate(() => globalThis.__pixieSpy?.events ?? []);
    for (const { name: n, payload } of all) {
      if (payload && 'origin' in payload) {
        assert.ok(CONSTANTS.eventOrigins.includes(payload.origin), `${n}: unknown origin ${payload.origin}`);
      }
      if (n === 'sessionExpired') {
        assert.ok(CONSTANTS.sessionExpiredReasons.includes(payload.reason), `sessionExpired: unknown reason ${payload.reason}`);
        errorCode(payload.code);
      }
    }
    return name ? all.filter((e) => e.name === name) : all;
  }

  #assertSpied() {
    assert.ok(this.spied, 'this tab has no spy: open it with openTab(t, stack, path, { spy: true })');
  }

  // ---- The clock ----

  /** The page's Date.now() minus Node's (0 unless the clock is shifted: openTab's clockShiftMs). */
  async clockSkewMs() {
    const before = Date.now();
    const page = await this.page.evaluate(() => Date.now());
    return page - (before + Date.now()) / 2;
  }

  // ---- Secrets ----

  /**
   * No secret escapes: localStorage is empty; no console message, page text or final URL
   * holds a code, verifier or token (nor does a demo URL a console message points at); no
   * cross-origin request carries a code in its URL or Referer; no callback parameter is left in
   * the address bar; nothing threw; and a guest token is in no Web Storage entry, cookie,
   * request URL or Referer either. `expect` names the kinds of secret this flow must have seen
   * (`codes`, `verifiers`, `tokens`, `guestTokens`), so the check cannot pass vacuously.
   */
  async assertNoLeaks({ expect = [] } = {}) {
    await Promise.all(this.bodyReads);
    for (const kind of expect) {
      assert.ok(this.secrets[kind].size > 0, `the test saw no ${kind} to look for`);
    }
    assert.deepEqual(this.pageErrors, [], 'uncaught errors in the page');

    const url = new URL(this.page.url());
    for (const p of CONSTANTS.callbackParams) {
      assert.ok(!url.searchParams.has(p), `the final URL still has "${p}": ${url.href}`);
    }
    assert.equal(url.hash, '', 'the final URL has no fragment');

    const { localStorageLength } = await this.storage();
    assert.equal(localStorageLength, 0, 'localStorage is empty');

    const html = await this.page.content();
    const secrets = [...this.secrets.codes, ...this.secrets.verifiers, ...this.secrets.tokens,
      ...this.secrets.guestTokens];
    for (const secret of secrets) {
      const shown = `${secret.slice(0, 6)}…`;
      assert.ok(!this.console.some((m) => m.text.includes(secret)), `a console message holds ${shown}`);
      assert.ok(!this.console.some((m) => m.url.startsWith(this.dev.demoOrigin) && m.url.includes(secret)),
        `a console message came from a demo URL holding ${shown}`);
      assert.ok(!html.includes(secret), `the page holds ${shown}`);
      assert.ok(!this.page.url().includes(secret), `the final URL holds ${shown}`);
    }
    for (const code of this.secrets.codes) {
      const leaks = this.requests.filter((r) => !r.url.startsWith(`${this.dev.demoOrigin}/`)
        && (r.url.includes(code) || r.referer.includes(code)));
      assert.deepEqual(leaks.map((r) => r.url), [], 'a cross-origin request carried the code');
    }
    // Guest tokens live in memory only: not in Web Storage (any key), a cookie, or any URL.
    if (this.secrets.guestTokens.size > 0) {
      const stored = await this.page.evaluate(() => JSON.stringify([
        Object.entries(localStorage), Object.entries(sessionStorage), document.cookie]));
      const cookies = JSON.stringify(await this.context.cookies());
      for (const token of this.secrets.guestTokens) {
        const shown = `${token.slice(0, 6)}…`;
        assert.ok(!stored.includes(token), `Web Storage or document.cookie holds the guest token ${shown}`);
        assert.ok(!cookies.includes(token), `a cookie holds the guest token ${shown}`);
        const inUrl = this.requests.filter((r) => r.url.includes(token) || r.referer.includes(token));
        assert.deepEqual(inUrl.map((r) => r.url), [], `a request URL or Referer holds the guest token ${shown}`);
      }
    }
  }
}

/** The page's URL is the demo page itself: no query, no fragment. */
export function assertCleanUrl(tab) {
  assert.equal(tab.page.url(), tab.url);
}

/** What a refused callback must leave on a demo page: signed out, no pending login, no session, a clean address bar. */
export async function assertLoginRefused(tab) {
  assert.equal(await tab.settled(), 'logged-out');
  assertCleanUrl(tab);
  const storage = await tab.storage();
  assert.equal(storage.pending, null, 'no pending login is left');
  assert.equal(storage.session, null, 'no session was stored');
}

/**
 * Opens `path` in a fresh tab, signs in and holds the redirect back (see holdCallback): returns
 * the tab and the unused callback URL, for the test to tamper with and open.
 */
export async function openHeldCallback(t, stack, path) {
  const tab = await openTab(t, stack, path);
  await tab.open();
  await tab.startLogin();
  await tab.signIn();
  const callback = await tab.holdCallback();
  await tab.consent();
  return { tab, url: new URL(await callback()) };
}
