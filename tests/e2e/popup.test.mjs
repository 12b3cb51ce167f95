// Logins that stay on the page, against the real provider in real Chromium: loginPopup() from a
// top-level page and from inside a cross-origin iframe (the redirect page in the popup relays
// the callback with handleCallback() and closes), a closed popup, a blocked popup, messages to
// the opener from another window or another origin (ignored: the login still completes), and
// renewSilently() in a hidden frame (a new token; login_required and a refused frame keep the
// session). No code, verifier or token in any URL, console line or Web Storage entry it should
// not be in.

import assert from 'node:assert/strict';
import * as http from 'node:http';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { startDevServer } from '../../devserver/server.mjs';
import {
  errorCode, openTab, sleep, TEST_TIMEOUT, until, useStack, WAIT,
} from './harness.mjs';

const stack = useStack();

/** The plain demo page, spied on (its client reachable from the test). */
const PLAIN = '/plain/';
/**
 * A real http server for pages of another origin and site than the demo's, stopped after test
 * `t`: `pages` maps a path to its HTML (the query is ignored). Reached as http://localhost:<port>
 * while the demo is at 127.0.0.1: a loopback server, so Chromium's local-network checks let it
 * frame the demo (a page fulfilled by page.route counts as public and may not).
 */
async function startHost(t, pages) {
  const server = http.createServer((req, res) => {
    const html = pages[new URL(req.url, 'http://x').pathname];
    res.writeHead(html ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html ?? 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://localhost:${server.address().port}`;
}

/** The popup the next click on `selector` in `frame` opens (a Playwright Page). */
async function clickForPopup(tab, frame, selector) {
  const [popup] = await Promise.all([
    tab.context.waitForEvent('page', { timeout: WAIT }),
    frame.locator(selector).click(),
  ]);
  popup.on('console', (msg) => tab.console.push({ text: msg.text(), url: msg.location()?.url ?? '' }));
  popup.on('pageerror', (err) => tab.pageErrors.push(`popup: ${err?.stack ?? err}`));
  return popup;
}

/** Signs in and consents on the provider's dev pages, in `page` (the popup). */
async function signInAt(page, login = 'Ada Lovelace') {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button.login-submit').click();
  await page.locator('button.login-submit:has-text("Continue")').click();
}

/** Waits for the provider's sign-in page in the popup. */
async function atSignIn(popup, dev) {
  await popup.locator('input[name="login"]').waitFor();
  assert.ok(popup.url().startsWith(dev.issuer), `the popup is at the provider: ${popup.url()}`);
}

/** Web Storage of `frame` as one text, to search for secrets. */
const storageText = (frame) => frame.evaluate(() => JSON.stringify([
  Object.entries(sessionStorage), Object.entries(localStorage)]));

/** No code or verifier in `frame`'s Web Storage; no pending login record. */
async function assertNoCodeStored(tab, frame) {
  const text = await storageText(frame);
  for (const secret of [...tab.secrets.codes, ...tab.secrets.verifiers]) {
    assert.ok(!text.includes(secret), `Web Storage holds ${secret.slice(0, 6)}…`);
  }
  assert.ok(!text.includes(tab.keys.pending), 'no pending login was stored');
}

test('loginPopup from a top-level page: the popup relays, closes, and the page is signed in', { timeout: TEST_TIMEOUT }, async (t) => {
  const { dev } = stack;
  const tab = await openTab(t, stack, PLAIN, { spy: true });
  await tab.open();
  assert.equal(await tab.settled(), 'logged-out');

  const popup = await clickForPopup(tab, tab.page, '#login-popup');
  await atSignIn(popup, dev);
  const closed = popup.waitForEvent('close', { timeout: WAIT });
  await signInAt(popup);
  await closed; // the redirect page relayed the callback and closed the popup itself
  await tab.waitForState('logged-in');

  assert.deepEqual(await tab.profile(), { name: 'Ada Lovelace', email: 'ada.lovelace@example.test', id: 'Ada Lovelace' });
  assert.equal(await tab.error(), null);
  assert.deepEqual(dev.stats.token, { authorization_code: 1, refresh_token: 0, other: 0, failed_injected: 0 });
  // The code went to the popup's redirect page, and from there to this page only.
  assert.equal(tab.secrets.codes.size, 1);
  const storage = await tab.storage();
  assert.equal(storage.pending, null);
  assert.ok(storage.session, 'the opener stored the session');
  await assertNoCodeStored(tab, tab.page);
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  // The relay is not a console line, and the redirect page never redeemed the code itself.
  assert.equal(tab.requests.filter((r) => r.method === 'POST' && r.url === dev.endpoints.token).length, 1);
});

test('loginPopup from inside a cross-origin iframe: the frame signs in without leaving its host', { timeout: TEST_TIMEOUT }, async (t) => {
  const { dev } = stack;
  const tab = await openTab(t, stack, PLAIN, { spy: true });
  const app = `${dev.demoOrigin}${PLAIN}`;
  const HOST = await startHost(t, {
    '/': `<!doctype html><title>host</title><h1>Host page</h1>
      <iframe id="app" src="${app}" style="width:900px;height:560px"></iframe>`,
  });
  await tab.page.goto(`${HOST}/`);
  const frame = tab.page.frameLocator('#app');
  await frame.locator('#status[data-state="logged-out"]').waitFor();

  const popup = await clickForPopup(tab, frame, '#login-popup');
  await atSignIn(popup, dev);
  const closed = popup.waitForEvent('close', { timeout: WAIT });
  await signInAt(popup, 'Grace Hopper');
  await closed;
  await frame.locator('#status[data-state="logged-in"]').waitFor();
  assert.equal(await frame.locator('#profile [data-field="name"]').innerText(), 'Grace Hopper');
  assert.equal(tab.page.url(), `${HOST}/`, 'the host page never navigated');
  assert.deepEqual(dev.stats.token, { authorization_code: 1, refresh_token: 0, other: 0, failed_injected: 0 });

  const appFrame = tab.page.frames().find((f) => f.url().startsWith(dev.demoOrigin));
  assert.ok(appFrame, 'the app frame');
  assert.equal(new URL(appFrame.url()).search, '', "the frame's URL has no callback parameters");
  // This Chromium blocks Web Storage in a third-party frame: the client kept the session in
  // memory, where a redirect login (whose pending login must outlive the page) is impossible.
  const blocked = await appFrame.evaluate(() => {
    try {
      return sessionStorage.length < 0;
    } catch {
      return true;
    }
  });
  if (blocked) {
    assert.equal(await appFrame.evaluate(() => globalThis.__pixieSpy.clients.at(-1).storageMode), 'memory-fallback');
  } else {
    await assertNoCodeStored(tab, appFrame);
  }
  await Promise.all(tab.bodyReads);
  for (const secret of [...tab.secrets.codes, ...tab.secrets.verifiers, ...tab.secrets.tokens]) {
    assert.ok(!tab.console.some((m) => m.text.includes(secret)), 'no console line holds a secret');
  }
  assert.deepEqual(tab.pageErrors, []);
});

test('closing the popup rejects loginPopup with popup_closed; a second call while it is open focuses it', { timeout: TEST_TIMEOUT }, async (t) => {
  const tab = await openTab(t, stack, PLAIN, { spy: true });
  await tab.open();
  const popup = await clickForPopup(tab, tab.page, '#login-popup');
  await popup.locator('input[name="login"]').waitFor();

  // A second call (from the page, while the popup is open) opens no second window and
  // settles with the first.
  const pagesBefore = tab.context.pages().length;
  const second = tab.page.evaluate(() => globalThis.__pixieSpy.clients.at(-1).loginPopup()
    .then(() => 'resolved', (e) => e.code));
  await sleep(300);
  assert.equal(tab.context.pages().length, pagesBefore, 'no second popup');

  await popup.close();
  const error = await tab.expectError('popup_closed');
  assert.match(error.text, /closed/);
  assert.equal(await second, errorCode('popup_closed'));
  assert.equal(await tab.settled(), 'logged-out');
  assert.equal((await tab.storage()).session, null);
  assert.deepEqual(stack.dev.stats.token, { authorization_code: 0, refresh_token: 0, other: 0, failed_injected: 0 });
});

test('messages to the opener from another window or another origin are ignored, and the login completes', { timeout: TEST_TIMEOUT }, async (t) => {
  const { dev } = stack;
  const tab = await openTab(t, stack, PLAIN, { spy: true });
  const SENT = 'pixie-test: forged message sent';
  const HOST = await startHost(t, {
    '/forge.html': `<!doctype html><script>
      const s = new URLSearchParams(location.search).get("state");
      const url = ${JSON.stringify(tab.url)} + "?code=FORGED-ORIGIN&state=" + encodeURIComponent(s);
      parent.postMessage({ type: "pixie-auth:callback", url }, "*");
      console.log(${JSON.stringify(SENT)});
    </script>`,
  });
  await tab.open();
  const popup = await clickForPopup(tab, tab.page, '#login-popup');
  await atSignIn(popup, dev);
  const state = popupStateFromRequests(tab, dev);
  assert.ok(state, 'the authorization request carried a state');

  // 1. The popup itself (right source, right state), but from the provider's origin.
  const forged = (code) => ({ type: 'pixie-auth:callback', url: `${tab.url}?code=${code}&state=${encodeURIComponent(state)}` });
  await popup.evaluate((message) => window.opener.postMessage(message, '*'), forged('FORGED-AT-PROVIDER'));
  // 2. Another window of the app's own origin (a same-origin frame of the opener), right state.
  await tab.page.evaluate((message) => {
    const f = document.createElement('iframe');
    f.srcdoc = `<script>parent.postMessage(${JSON.stringify(message)}, "*");
      console.log("pixie-test: forged message sent")</script>`;
    document.body.append(f);
  }, forged('FORGED-SAME-ORIGIN'));
  // 3. A frame of another origin, right state.
  await tab.page.evaluate((src) => {
    const f = document.createElement('iframe');
    f.src = src;
    document.body.append(f);
  }, `${HOST}/forge.html?state=${encodeURIComponent(state)}`);
  await until(() => tab.console.filter((m) => m.text === SENT).length === 2, 'both frames posted');
  await sleep(300);
  assert.equal(await tab.error(), null, 'no forged message ended the login');
  assert.ok(!popup.isClosed(), 'the popup is still open');

  const closed = popup.waitForEvent('close', { timeout: WAIT });
  await signInAt(popup);
  await closed;
  await tab.waitForState('logged-in');
  assert.deepEqual(dev.stats.token, { authorization_code: 1, refresh_token: 0, other: 0, failed_injected: 0 });
  const exchanged = tab.requests.filter((r) => r.method === 'POST' && r.url === dev.endpoints.token);
  assert.equal(exchanged.length, 1, 'one exchange: the real code');
  assert.ok([...tab.secrets.codes].every((c) => !c.startsWith('FORGED')), 'no forged code was sent');
});

/** The state of the last authorization request the context sent. */
function popupStateFromRequests(tab, dev) {
  const auth = tab.requests.filter((r) => r.url.startsWith(dev.endpoints.authorization)).at(-1);
  return auth ? new URL(auth.url).searchParams.get('state') : null;
}

test('a popup the browser blocks rejects at once with popup_blocked', { timeout: TEST_TIMEOUT }, async (t) => {
  // Playwright turns Chromium's popup blocker off; this browser keeps it on.
  const browser = await chromium.launch({
    executablePath: process.env.PIXIE_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ignoreDefaultArgs: ['--disable-popup-blocking'],
    timeout: WAIT,
  });
  t.after(() => browser.close());
  const tab = await openTab(t, { ...stack, browser }, PLAIN, { spy: true });
  await tab.open();
  const result = await tab.page.evaluate(async () => {
    // Any user activation this call may carry is used up by a first window.open.
    window.open('about:blank')?.close();
    const started = performance.now();
    try {
      await globalThis.__pixieSpy.clients.at(-1).loginPopup();
      return { resolved: true };
    } catch (e) {
      return { code: e.code, ms: performance.now() - started };
    }
  });
  assert.equal(result.code, errorCode('popup_blocked'));
  assert.ok(result.ms < 1000, `rejected at once (${result.ms} ms)`);
  // Only the throwaway window (when the call carried an activation) was ever opened, and closed.
  await until(() => tab.context.pages().length === 1, 'only the page is left');
  assert.ok(!tab.requests.some((r) => r.url.startsWith(stack.dev.endpoints.authorization)), 'no authorization request');
  assert.equal((await tab.storage()).pending, null);
});

test('renewSilently in a hidden frame: a new token with prompt=none; login_required and a refused frame keep the session', { timeout: TEST_TIMEOUT }, async (t) => {
  const { dev } = stack;
  const tab = await openTab(t, stack, PLAIN, { spy: true });
  await tab.open();
  await tab.logIn();
  const before = await tab.session();
  const renew = () => tab.page.evaluate(async () => {
    const client = globalThis.__pixieSpy.clients.at(-1);
    try {
      const s = await client.renewSilently();
      return { refreshCount: s.refreshCount, frames: document.querySelectorAll('iframe').length };
    } catch (e) {
      return { error: e.code, frames: document.querySelectorAll('iframe').length };
    }
  });
  const tokenBefore = () => tab.page.evaluate(() => globalThis.__pixieSpy.clients.at(-1).getAccessToken());

  const first = await tokenBefore();
  const renewed = await renew();
  assert.deepEqual(renewed, { refreshCount: 1, frames: 0 }, 'renewed, and the frame is gone');
  const second = await tokenBefore();
  assert.notEqual(second, first, 'a new access token');
  assert.equal(dev.stats.token.authorization_code, 2, 'a second code, redeemed by this page');
  const auth = tab.requests.filter((r) => r.url.startsWith(dev.endpoints.authorization)).at(-1);
  assert.equal(new URL(auth.url).searchParams.get('prompt'), 'none');
  assert.ok((await tab.events('tokenRefreshed')).length >= 1, 'tokenRefreshed for the renewal');
  assert.equal(await tab.error(), null);
  assert.ok((await tab.session()).expiresAt >= before.expiresAt);

  // The server forbids framing: its page never answers; the session stays.
  await tab.page.route((url) => url.href.startsWith(dev.endpoints.authorization), (route) => route.fulfill({
    status: 200,
    contentType: 'text/html',
    headers: { 'X-Frame-Options': 'DENY' },
    body: '<!doctype html><title>sign in</title><form><input name="login"></form>',
  }));
  assert.deepEqual(await renew(), { error: errorCode('silent_frame_refused'), frames: 0 });
  await tab.page.unrouteAll();
  assert.equal(await tokenBefore(), second, 'session kept');

  // The provider's session is gone (its cookies cleared): login_required, session kept.
  const providerCookies = (await tab.context.cookies(dev.issuer)).length;
  assert.ok(providerCookies > 0, 'the provider had a session cookie');
  await tab.context.clearCookies();
  assert.deepEqual(await renew(), { error: errorCode('login_required'), frames: 0 });
  assert.equal(await tokenBefore(), second, 'session kept');
  assert.equal(dev.stats.token.authorization_code, 2, 'nothing more redeemed');
  assert.equal(await tab.settled(), 'logged-in');

  await assertNoCodeStored(tab, tab.page);
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
});

test('autoRenew "silent": without a refresh token the lifecycle renews in a hidden frame where it would only warn', { timeout: 90_000 }, async (t) => {
  // A provider of this test's own whose access tokens live 20 s; its token responses reach the
  // page without a refresh token, as from a server that gives a browser app none.
  const dev = await startDevServer({ opPort: 0, demoPort: 0, testControls: true, accessTokenTtl: 20 });
  t.after(() => dev.close());
  const tab = await openTab(t, { dev, browser: stack.browser }, PLAIN, { spy: true });
  await tab.context.route(dev.endpoints.token, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    delete body.refresh_token;
    await route.fulfill({ response, json: body });
  });
  await tab.open();
  await tab.logIn();
  assert.equal((await tab.session()).hasRefreshToken, false);
  assert.equal(dev.stats.token.authorization_code, 1);

  // A second client of the page, on the same session, with autoRenew: "silent".
  await tab.page.evaluate(async () => {
    const config = await (await fetch('/config.json')).json();
    const PkceClient = globalThis.__pixieSpy.clients.at(-1).constructor;
    const client = await PkceClient.discover({
      issuer: config.issuer,
      clientId: config.clientId,
      redirectUri: new URL('./', location.href).href,
      scopes: ['openid', 'profile', 'email'],
      apiBase: config.apiBase,
      autoRenew: 'silent',
    });
    globalThis.silentEvents = [];
    for (const name of ['tokenRefreshed', 'tokenExpiring', 'sessionExpired']) {
      client.on(name, (payload) => globalThis.silentEvents.push({ name, payload }));
    }
  });
  // Halfway through the token's 20 s (not at once, though the 300 s warning lead is longer).
  await until(() => dev.stats.token.authorization_code === 2, 'a silent renewal', 30_000);
  const events = await tab.page.evaluate(() => globalThis.silentEvents);
  await until(async () => (await tab.page.evaluate(() => globalThis.silentEvents.length)) > 0, 'the event');
  const [first] = await tab.page.evaluate(() => globalThis.silentEvents);
  assert.equal(first.name, 'tokenRefreshed', JSON.stringify(events));
  assert.equal(first.payload.refreshCount, 1);
  const auth = tab.requests.filter((r) => r.url.startsWith(dev.endpoints.authorization)).at(-1);
  assert.equal(new URL(auth.url).searchParams.get('prompt'), 'none');
  assert.equal(await tab.page.locator('iframe').count(), 0, 'the hidden frame is gone');
  assert.ok((await tab.session()).expiresAt > Date.now() + 10_000, 'a fresh access token');
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
});

test('renewSilently in one of two duplicated tabs: the sibling gets the renewed session over the sealed channel, with no frame or request of its own', { timeout: TEST_TIMEOUT }, async (t) => {
  const { dev } = stack;
  const tab = await openTab(t, stack, PLAIN, { spy: true });
  // Token responses without a refresh token: the session's family is named by its access token.
  await tab.context.route(dev.endpoints.token, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    delete body.refresh_token;
    await route.fulfill({ response, json: body });
  });
  await tab.open();
  await tab.logIn();
  assert.equal((await tab.session()).hasRefreshToken, false);
  const twin = await tab.duplicate();
  assert.equal(await twin.settled(), 'logged-in', 'the duplicate starts signed in');
  const token = (page) => page.evaluate(() => globalThis.__pixieSpy.clients.at(-1).getAccessToken());
  const first = await token(twin.page);
  assert.equal(await token(tab.page), first, 'one session in both tabs');
  await twin.page.evaluate(() => {
    globalThis.renewEvents = [];
    globalThis.__pixieSpy.clients.at(-1).on('tokenRefreshed', (e) => globalThis.renewEvents.push(e));
  });
  const codesBefore = dev.stats.token.authorization_code;
  // The browser context's requests (both tabs): authorization requests so far.
  const authorizations = () => tab.requests.filter((r) => r.url.startsWith(dev.endpoints.authorization)).length;
  const authBefore = authorizations();

  const renewed = await tab.page.evaluate(async () => {
    const s = await globalThis.__pixieSpy.clients.at(-1).renewSilently();
    return s.refreshCount;
  });
  assert.equal(renewed, 1);
  const second = await token(tab.page);
  assert.notEqual(second, first, 'a new access token');
  await until(async () => (await twin.page.evaluate(() => globalThis.renewEvents.length)) > 0, 'the sibling adopts it', 10_000);
  const [event] = await twin.page.evaluate(() => globalThis.renewEvents);
  assert.equal(event.origin, 'other-tab');
  assert.equal(event.refreshCount, 1);
  assert.equal(await token(twin.page), second, 'the sibling holds the renewed token');
  assert.equal(dev.stats.token.authorization_code, codesBefore + 1, 'one code, redeemed by the renewing tab');
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // a sibling's own renewal would follow
  assert.equal(authorizations(), authBefore + 1, 'one authorization request in both tabs: the renewing one');
  assert.equal(dev.stats.token.authorization_code, codesBefore + 1, 'still one code');
  assert.equal(await twin.page.locator('iframe').count(), 0, 'no frame in the sibling');
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  await twin.assertNoLeaks();
});

test('time-outs: popup_timeout closes the popup; silent_timeout removes the frame; the session stays', { timeout: TEST_TIMEOUT }, async (t) => {
  const { dev } = stack;
  const tab = await openTab(t, stack, PLAIN, { spy: true });
  await tab.open();
  await tab.logIn();
  const token = await tab.page.evaluate(() => globalThis.__pixieSpy.clients.at(-1).getAccessToken());

  // The user leaves the popup at the provider's sign-in page (prompt=login: it asks again).
  const [popup, popupResult] = await Promise.all([
    tab.context.waitForEvent('page', { timeout: WAIT }),
    tab.page.evaluate(() => globalThis.__pixieSpy.clients.at(-1).loginPopup({ timeoutSeconds: 2, extraParams: { prompt: 'login' } })
      .then(() => 'resolved', (e) => e.code)),
  ]);
  assert.equal(popupResult, errorCode('popup_timeout'));
  await until(() => popup.isClosed(), 'the popup closed by the library');

  // The hidden frame lands on a page of the app's origin that never answers.
  await tab.page.route((url) => url.href.startsWith(dev.endpoints.authorization), (route) => route.fulfill({
    status: 302, headers: { Location: `${dev.demoOrigin}/plain/guest.html` },
  }));
  const silent = await tab.page.evaluate(() => globalThis.__pixieSpy.clients.at(-1)
    .renewSilently({ timeoutSeconds: 2 })
    .then(() => 'resolved', (e) => `${e.code} ${document.querySelectorAll('iframe').length}`));
  assert.equal(silent, `${errorCode('silent_timeout')} 0`);
  assert.equal(await tab.page.evaluate(() => globalThis.__pixieSpy.clients.at(-1).getAccessToken()), token, 'session kept');
  assert.equal(dev.stats.token.authorization_code, 1);
});
