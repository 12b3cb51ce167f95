// Shared machinery of the full-flow tests: the local OpenID provider (devserver/) on free ports,
// Debian's Chromium through playwright-core, and a Tab that drives a demo page and watches it
// (console, requests, secrets seen on the wire, storage).
//
// Every wait is bounded (WAIT); every server, browser and context is closed in an after hook.

import './quiet-provider.mjs'; // first: before oidc-provider loads

import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';

import { chromium } from 'playwright-core';

import { startDevServer } from '../../devserver/server.mjs';

/** Upper bound of every single wait (navigation, selector, request). */
export const WAIT = 15_000;
/** Upper bound of one test. */
export const TEST_TIMEOUT = 60_000;

const CHROMIUM = process.env.PIXIE_CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying to reach the internet and stalls.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Launches Debian's Chromium with the flags above, for test files that manage their own servers
 * (one provider per test, e.g. to run scenarios in parallel with exact per-provider counts).
 */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: WAIT });
}

/** The two demo pages: the same behaviour, loaded two ways. */
export const PAGES = [
  { name: 'webpack page', path: '/' },
  { name: 'plain page', path: '/plain/' },
];

/**
 * Starts a dev server (free ports, test controls on) and Chromium for the current test file,
 * resets the server's counters and injected failures before each test, and stops both at the end.
 * Chromium's default (temporary, deleted on close) profile plus a new context per Tab means no
 * cookie or storage is shared between tests.
 */
export function useStack(serverOptions = {}) {
  const stack = { dev: null, browser: null };
  before(async () => {
    stack.dev = await startDevServer({ opPort: 0, demoPort: 0, testControls: true, ...serverOptions });
    stack.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: WAIT });
  });
  after(async () => {
    await stack.browser?.close();
    await stack.dev?.close();
  });
  beforeEach(() => stack.dev?.reset());
  return stack;
}

/** A fresh browser context (no cookies, no storage) with one page watched by a Tab. */
export async function openTab(t, stack, path) {
  const context = await stack.browser.newContext({ viewport: { width: 960, height: 640 } });
  t.after(() => context.close());
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  const page = await context.newPage();
  return new Tab(stack.dev, context, page, path);
}

const CALLBACK_PARAMS = ['code', 'state', 'iss', 'error', 'error_description'];

export class Tab {
  constructor(dev, context, page, path) {
    this.dev = dev;
    this.context = context;
    this.page = page;
    this.path = path;
    this.url = `${dev.demoOrigin}${path}`;
    /** Console messages ({ text, url }: the document or script they came from) and uncaught errors. */
    this.console = [];
    this.pageErrors = [];
    /** Every request the context made: { url, method, referer }. */
    this.requests = [];
    /** Secrets seen on the wire: authorization codes, verifiers, tokens. */
    this.secrets = { codes: new Set(), verifiers: new Set(), tokens: new Set() };
    this.bodyReads = [];
    /** Bodies of the token endpoint's answers, in order (see lastTokenResponse()). */
    this.tokenResponses = [];
    this.keys = {
      session: `pixie:${dev.clientId}:session`,
      pending: `pixie:${dev.clientId}:pending`,
    };

    page.on('console', (msg) => this.console.push({ text: msg.text(), url: msg.location()?.url ?? '' }));
    page.on('pageerror', (err) => this.pageErrors.push(String(err?.stack ?? err)));
    context.on('request', (req) => this.#onRequest(req));
    context.on('response', (res) => this.#onResponse(res));
  }

  #onRequest(req) {
    const url = new URL(req.url());
    this.requests.push({ url: req.url(), method: req.method(), referer: req.headers().referer ?? '' });
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
    if (res.url() !== this.dev.endpoints.token || res.request().method() !== 'POST') return;
    this.bodyReads.push(res.json().then((body) => {
      this.tokenResponses.push(body);
      for (const name of ['access_token', 'refresh_token', 'id_token']) {
        if (typeof body?.[name] === 'string') this.secrets.tokens.add(body[name]);
      }
    }, () => {}));
  }

  /** The last token endpoint answer this tab got. */
  async lastTokenResponse() {
    await Promise.all(this.bodyReads);
    return this.tokenResponses.at(-1);
  }

  /** Opens the demo page and waits until it has settled (signed in or out). */
  async open(url = this.url) {
    await this.page.goto(url);
    await this.settled();
  }

  /** Waits until the page shows a final state, and returns it. */
  async settled() {
    const status = this.page.locator('#status[data-state="logged-in"], #status[data-state="logged-out"]');
    await status.waitFor();
    return status.getAttribute('data-state');
  }

  async waitForState(state) {
    await this.page.locator(`#status[data-state="${state}"]`).waitFor();
  }

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

  /** Waits for the error box to show `code`, and returns it. */
  async expectError(code) {
    await this.page.locator(`#error[data-code="${code}"]`).waitFor();
    return this.error();
  }

  /** pixie's records in this tab's sessionStorage, and localStorage's size, for the demo origin. */
  async storage() {
    return this.page.evaluate(({ session, pending }) => ({
      session: sessionStorage.getItem(session),
      pending: sessionStorage.getItem(pending),
      pixieKeys: Object.keys(sessionStorage).filter((k) => k.startsWith('pixie:')),
      localStorageLength: localStorage.length,
    }), this.keys);
  }

  async profile() {
    const field = (name) => this.page.locator(`#profile [data-field="${name}"]`).innerText();
    return { name: await field('name'), email: await field('email'), id: await field('id') };
  }

  /** Requests made since `mark` (an index into this.requests). */
  requestsSince(mark) {
    return this.requests.slice(mark);
  }

  /**
   * No secret escapes: localStorage is empty; no console message, page text or final URL
   * holds a code, verifier or token (nor does a demo URL a console message points at); no
   * cross-origin request carries a code in its URL or Referer; nothing threw. `expect` names the kinds of secret this flow must have seen, so the
   * check cannot pass vacuously.
   */
  async assertNoLeaks({ expect = [] } = {}) {
    await Promise.all(this.bodyReads);
    for (const kind of expect) {
      assert.ok(this.secrets[kind].size > 0, `the test saw no ${kind} to look for`);
    }
    assert.deepEqual(this.pageErrors, [], 'uncaught errors in the page');

    const url = new URL(this.page.url());
    for (const p of CALLBACK_PARAMS) {
      assert.ok(!url.searchParams.has(p), `the final URL still has "${p}": ${url.href}`);
    }
    assert.equal(url.hash, '', 'the final URL has no fragment');

    const { localStorageLength } = await this.storage();
    assert.equal(localStorageLength, 0, 'localStorage is empty');

    const html = await this.page.content();
    const secrets = [...this.secrets.codes, ...this.secrets.verifiers, ...this.secrets.tokens];
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
  }
}

/** The page's URL is the demo page itself: no query, no fragment. */
export function assertCleanUrl(tab) {
  assert.equal(tab.page.url(), tab.url);
}

/**
 * Asks the provider's token endpoint to redeem `refreshToken` directly (as an attacker holding
 * it would): resolves with the HTTP status and the OAuth error, if any.
 */
export async function tryRefresh(dev, refreshToken) {
  const res = await fetch(dev.endpoints.token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: dev.clientId }),
    signal: AbortSignal.timeout(WAIT),
  });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, error: body.error ?? null };
}

/** Revokes a token at the provider's revocation endpoint (RFC 7009), as the server side might. */
export async function revokeToken(dev, token) {
  const res = await fetch(dev.endpoints.revocation, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: dev.clientId }),
    signal: AbortSignal.timeout(WAIT),
  });
  assert.equal(res.status, 200, 'the revocation endpoint accepted the request');
}

/**
 * Redeems an authorization code at the provider's token endpoint directly (as Genesys Cloud does
 * with what Messenger's getAuthCode handed over; the local client is public, so no secret):
 * resolves with the HTTP status and the parsed body.
 */
export async function redeemCode(dev, { authCode, redirectUri, codeVerifier }) {
  const res = await fetch(dev.endpoints.token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: authCode, redirect_uri: redirectUri,
      client_id: dev.clientId, code_verifier: codeVerifier,
    }),
    signal: AbortSignal.timeout(WAIT),
  });
  return { status: res.status, body: await res.json().catch(() => ({})) };
}

/** The payload of a JWT, decoded without any check (the test compares it with what it expects). */
export function jwtPayload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

/**
 * Counts, for each load of the demo page in `tab` (a main-frame document request to `tab.url`,
 * with or without a query), the requests to each of `urls` made by that load. Call before the
 * first load; `counts()` returns one { [url]: n } per load, in order.
 */
export function countRequestsPerLoad(tab, urls) {
  const loads = [];
  tab.page.on('request', (req) => {
    const url = req.url();
    if (req.isNavigationRequest() && req.frame() === tab.page.mainFrame()) {
      const u = new URL(url);
      if (u.origin + u.pathname === tab.url) loads.push(Object.fromEntries(urls.map((x) => [x, 0])));
      return;
    }
    const key = urls.find((x) => url === x || url.startsWith(`${x}?`));
    if (key && loads.length > 0) loads.at(-1)[key] += 1;
  });
  return { counts: () => loads.map((l) => ({ ...l })) };
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

/** What a refused callback must leave on a demo page: signed out, no pending login, no session, a clean address bar. */
export async function assertLoginRefused(tab) {
  assert.equal(await tab.settled(), 'logged-out');
  assertCleanUrl(tab);
  const storage = await tab.storage();
  assert.equal(storage.pending, null, 'no pending login is left');
  assert.equal(storage.session, null, 'no session was stored');
}
