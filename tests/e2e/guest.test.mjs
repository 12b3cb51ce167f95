// Guest tokens for web messaging, in full: the guest chat page (www/plain/guest.html, pixie-auth's
// GuestTokenSource) against the dev server's reference token proxy (devserver/guest-proxy.mjs),
// its stand-in guest API and its stand-in chat API (devserver/guest.mjs), with guest tokens
// that live 6 seconds. Over several lifetimes the token is renewed before it expires and the
// chat API never answers 401; the token is never in Web Storage, a cookie, a URL or the console;
// a 429 is waited out whatever form its Retry-After takes; the proxy down and back is survived;
// a page on another origin is refused by CORS; the proxy logs attribute keys, not values.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as http from 'node:http';
import { extname } from 'node:path';
import { test } from 'node:test';

import {
  CONSTANTS, errorCode, GUEST_PAGE, guestEventName, openTab, until, useStack,
} from './harness.mjs';

const LIFETIME_S = 6;
// A high per-address limit: every test of the file runs from 127.0.0.1, and the 429s under test
// come from the proxy's test control (each Retry-After form alone), not from the real limiter.
const stack = useStack({ guestTokenLifetime: LIFETIME_S, guestRateLimit: 10_000 });
const opts = { timeout: 90_000 };
const guest = () => stack.dev.guest;

/** A fresh guest chat tab, its proxy's counters reset and the proxy up again after the test. */
async function guestTab(t) {
  guest().reset();
  t.after(() => guest().up());
  return openTab(t, stack, GUEST_PAGE);
}

const events = (shown, name) => shown.events.filter((e) => e.event === guestEventName(name));

test('over several lifetimes the token is renewed before it expires, and the chat API never says 401', opts, async (t) => {
  const tab = await guestTab(t);
  await tab.open();
  assert.equal(await tab.settled(), 'ready');
  await tab.sendChat('Hello, first message');
  await tab.page.locator('#messages li').first().waitFor();
  const { guestId } = await tab.guestShown();
  assert.match(guestId, /^[0-9a-f-]{36}$/);

  // Renewed halfway through each 6-second lifetime: six renewals span three lifetimes.
  await until(async () => (await tab.guestShown()).refreshCount >= 6, 'six renewals', 30_000);
  await tab.sendChat('Hello, second message');
  await tab.page.locator('#messages li:nth-child(2)').waitFor();

  const shown = await tab.guestShown();
  assert.equal(shown.state, 'ready');
  assert.equal(shown.guestId, guestId, 'the same guest (and conversation) across renewals');
  assert.equal(shown.messages.length, 2, 'the first message is still in the conversation');
  const got = events(shown, 'tokenRefreshed');
  assert.ok(got.length >= 7, `the first token and six renewals (${got.length})`);
  for (let i = 1; i < got.length; i += 1) {
    assert.ok(got[i].lastRefreshAt < got[i - 1].expiresAt,
      `renewal ${i} arrived before the token it replaced expired`);
  }
  assert.ok(events(shown, 'tokenExpiring').length >= 6, 'tokenExpiring before each renewal');
  assert.deepEqual(events(shown, 'tokenExpired'), [], 'never without a token');

  const { chat, proxy } = guest().stats;
  assert.equal(chat.unauthorized, 0, `no 401 at the chat API (${JSON.stringify(chat.reasons)})`);
  assert.ok(chat.ok >= 6, `the chat was used throughout (${chat.ok} requests)`);
  assert.ok(proxy.continued >= 6, 'each renewal sent the current token, keeping the guest');
  assert.equal(tab.guestRequests.length, proxy.requests, 'one request per token: no duplicates');
  assert.ok(tab.guestRequests.slice(1).every((r) => r.authorization), 'renewals carry the current token');
  // Verified in the browser: the page fetched the guest API's JWK Set.
  assert.ok(tab.requests.some((r) => r.url === guest().endpoints.guestJwks), 'the JWK Set was fetched');
  assert.equal(await tab.error(), null);
  await tab.assertNoLeaks({ expect: ['guestTokens'] });
});

test('the token lives in memory only: nothing in Web Storage, and a reload starts over', opts, async (t) => {
  const tab = await guestTab(t);
  await tab.open();
  assert.equal(await tab.settled(), 'ready');
  await tab.sendChat('Before the reload');
  await tab.page.locator('#messages li').first().waitFor();
  const before = await tab.guestShown();
  // Web Storage holds nothing of the visit: sessionStorage at most the tab's copy of the public
  // JWK Set the tokens are verified with (keys under the documents' prefix; assertNoLeaks
  // checks that no entry holds a token).
  const storage = () => tab.page.evaluate((documents) => ({
    local: localStorage.length,
    session: Object.keys(sessionStorage).filter((key) => !key.startsWith(documents)),
    cookie: document.cookie,
  }), CONSTANTS.storage.documentPrefix);
  assert.deepEqual(await storage(), { local: 0, session: [], cookie: '' });
  assert.deepEqual(await tab.context.cookies(), []);

  const mark = tab.guestRequests.length;
  await tab.page.reload();
  assert.equal(await tab.settled(), 'ready');
  const after = await tab.guestShown();
  assert.equal(tab.guestRequests[mark].authorization, false, 'after the reload nothing is known: no token sent');
  assert.notEqual(after.guestId, null);
  assert.notEqual(after.guestId, before.guestId, 'a new visit, a new guest');
  assert.deepEqual(await storage(), { local: 0, session: [], cookie: '' });
  await tab.assertNoLeaks({ expect: ['guestTokens'] });
});

for (const form of ['seconds', 'date', 'json', 'both']) {
  test(`a 429 with its Retry-After as ${form} is waited out`, opts, async (t) => {
    const tab = await guestTab(t);
    const retryAfter = 3;
    guest().rateLimitNext({ count: 1, retryAfter, form });
    await tab.open();
    assert.equal(await tab.settled(), 'ready');
    assert.equal(guest().stats.proxy.injected_rate_limited, 1);
    assert.equal(tab.guestRequests.length, 2, 'the 429, then one retry');
    const waited = tab.guestRequests[1].at - tab.guestRequests[0].at;
    // The backoff alone would be 0.5-1 s (CONSTANTS.retry.baseDelayMs); the server asked for 3 s.
    assert.ok(waited >= retryAfter * 1000 - 500 && waited > CONSTANTS.retry.baseDelayMs,
      `the retry waited for Retry-After (${waited} ms)`);
    const shown = await tab.guestShown();
    assert.deepEqual(events(shown, 'tokenExpired'), [], 'one cycle, not given up');
    assert.equal(await tab.error(), null);
    await tab.assertNoLeaks({ expect: ['guestTokens'] });
  });
}

test('when the 429s outlast a cycle the page says so in plain words, then recovers by itself', opts, async (t) => {
  const tab = await guestTab(t);
  guest().rateLimitNext({ count: CONSTANTS.retry.maxAttempts, retryAfter: 1, form: 'both' });
  await tab.open();
  assert.equal(await tab.settled(), 'no-token');
  const error = await tab.expectError('rate_limited');
  assert.match(error.text, /busy/);
  assert.match(error.text, /asked to wait 1 s/);
  assert.equal(tab.guestRequests.length, CONSTANTS.retry.maxAttempts, 'three attempts in the cycle');
  const [expired] = events(await tab.guestShown(), 'tokenExpired');
  assert.equal(expired.code, errorCode('rate_limited'));
  // The next automatic cycle, after the cooldown (15 s), gets a token.
  await tab.page.locator('#status[data-state="ready"]').waitFor({ timeout: 30_000 });
  assert.ok(Date.now() >= expired.retryAt - 1000, 'not before the cooldown');
  assert.equal(await tab.error(), null, 'the error goes once a token is in');
  await tab.assertNoLeaks({ expect: ['guestTokens'] });
});

test('the proxy refusing connections, then back: a message sent meanwhile goes out once a token is in', opts, async (t) => {
  const tab = await guestTab(t);
  await tab.open();
  assert.equal(await tab.settled(), 'ready');
  await guest().down({ mode: 'refused' });
  await tab.page.locator('#status[data-state="no-token"]').waitFor({ timeout: 30_000 });
  const error = await tab.expectError('network_error');
  assert.match(error.text, /could not be reached/);
  assert.equal((await tab.guestShown()).chatState, 'waiting');

  await guest().up();
  // Sending asks for a token at once (getToken), whatever the cooldown says.
  await tab.sendChat('Sent after the outage');
  await tab.page.locator('#status[data-state="ready"]').waitFor();
  await tab.page.locator('#messages li', { hasText: 'Sent after the outage' }).waitFor();
  assert.equal(await tab.error(), null);
  assert.equal(guest().stats.chat.unauthorized, 0, 'the expired token was never used');
  await tab.assertNoLeaks({ expect: ['guestTokens'] });
});

test('the proxy answering 503, then back: the page recovers on its own schedule', opts, async (t) => {
  const tab = await guestTab(t);
  await tab.open();
  assert.equal(await tab.settled(), 'ready');
  await guest().down({ mode: 'unavailable' });
  await tab.page.locator('#status[data-state="no-token"]').waitFor({ timeout: 30_000 });
  const error = await tab.expectError('guest_token_failed');
  assert.match(error.text, /HTTP 503/);
  await guest().up();
  await tab.page.locator('#status[data-state="ready"]').waitFor({ timeout: 40_000 });
  const shown = await tab.guestShown();
  assert.ok(events(shown, 'tokenExpired').every((e) => e.code === 'guest_token_failed'));
  assert.equal(await tab.error(), null);
  assert.equal(guest().stats.chat.unauthorized, 0, 'the expired token was never used');
  await tab.assertNoLeaks({ expect: ['guestTokens'] });
});

test('a page on another origin is refused by CORS: a typed network error, and nothing is minted', opts, async (t) => {
  guest().reset();
  // A page of another origin (another port of 127.0.0.1, which the proxy does not allow),
  // served by the test: a small page loading the package as the plain demo page does.
  const foreign = await serveForeignPage(t);
  const tab = await openTab(t, stack, GUEST_PAGE);
  await tab.page.goto(`${foreign}/foreign.html`);
  const outcome = await tab.page.waitForFunction(() => window.outcome, null, { timeout: 20_000 })
    .then((h) => h.jsonValue());
  assert.deepEqual(outcome, { name: 'PixieAuthError', code: errorCode('network_error'), jsErrorName: 'TypeError' });
  const { proxy } = guest().stats;
  assert.ok(proxy.origin_rejected >= 1, 'the proxy refused the foreign origin');
  assert.equal(proxy.issued, 0, 'nothing was minted');
  assert.equal(tab.secrets.guestTokens.size, 0, 'no token reached the page');
  assert.ok(tab.console.some((m) => m.text.includes('CORS')), 'the browser reports a CORS refusal');
});

/** Serves /foreign.html and /pkg-web/ on 127.0.0.1 and a free port until the test ends; its origin. */
async function serveForeignPage(t) {
  const page = `<!doctype html><meta charset="utf-8"><title>another site</title>
    <script type="module">
      import init, { GuestTokenSource } from "/pkg-web/pixie_auth.js";
      await init();
      const source = new GuestTokenSource({ endpoint: ${JSON.stringify(guest().endpoints.guestToken)} });
      window.outcome = source.getToken().then(
        (token) => ({ token: typeof token }),
        (e) => ({ name: e.name, code: e.code, jsErrorName: e.jsErrorName }));
    </script>`;
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    if (pathname === '/foreign.html') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
      return;
    }
    const name = /^\/pkg-web\/([\w.]+)$/.exec(pathname)?.[1];
    try {
      const body = await readFile(new URL(`../../pkg-web/${name}`, import.meta.url));
      res.writeHead(200, { 'Content-Type': types[extname(name)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  t.after(() => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }));
  return `http://127.0.0.1:${server.address().port}`;
}

test('the proxy\'s log holds the attribute keys the visitor filled in, never their values', opts, async (t) => {
  const tab = await guestTab(t);
  await tab.open();
  assert.equal(await tab.settled(), 'ready');
  const typed = { name: 'Ada Lovelace', order: '4111 1111 1111 1111', email: 'ada@example.test' };
  await tab.page.locator('.about summary').click();
  await tab.page.locator('#visitor-name').fill(typed.name);
  await tab.page.locator('#order-number').fill(typed.order); // a card number in the wrong field
  await tab.page.locator('#visitor-email').fill(typed.email);
  // body() is read for every request: the next renewal carries what was typed.
  const before = (await tab.guestShown()).refreshCount;
  await until(async () => (await tab.guestShown()).refreshCount > before, 'a renewal', 15_000);

  const sent = JSON.parse(tab.guestRequests.at(-1).body);
  assert.equal(sent.name, typed.name);
  assert.deepEqual(sent.customAttributes, {
    topic: 'demo', language: sent.customAttributes.language, orderNumber: typed.order, customerEmail: typed.email,
  });
  const upstream = guest().upstreamBodies().at(-1).body;
  assert.equal(upstream.customAttributes.orderNumber, '[redacted:card]', 'the card number never left the proxy');
  assert.equal(upstream.customAttributes.customerEmail, typed.email, 'the e-mail field may hold an e-mail address');

  const log = guest().logLines();
  const issued = log.filter((line) => line.includes('issued guest='));
  assert.ok(issued.some((line) => line.includes('orderNumber') && line.includes('customerEmail')),
    'the keys are logged');
  for (const value of [typed.name, typed.order, '4111', typed.email, 'Lovelace', ...tab.secrets.guestTokens]) {
    assert.ok(!log.some((line) => line.includes(value)), `no log line holds ${value.slice(0, 12)}`);
  }
  await tab.assertNoLeaks({ expect: ['guestTokens'] });
});
