// The session bridge, in full (issue 11): the demo's host page (www/plain/host.html, on the
// demo origin) signs in against the local provider and shares its session with the embedded
// app (www/embedded/, a second origin) through auth.shareWithFrame(); the app, made with
// PkceClient.fromHost(), has no login of its own. A third origin serves a hostile frame
// (www/hostile/) that asks for a token every way it can.
//
// Real Chromium, the real provider, real cross-origin frames: the frame gets a token and
// calls the API; a token about to expire is refreshed by the host first; a refresh in the
// host reaches the frame; logout in the host ends the frame's session; no session in the host
// is login_required, no host is host_unavailable; the hostile frame, the shared frame
// navigated to another origin, a second frame of the right origin, the page itself and
// forged (script-made) messages are refused and counted, and learn no token; no token is in
// any URL, console line or Web Storage of the frame.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { errorCode, newContext, openTab, sleep, until, useStack } from './harness.mjs';

const stack = useStack();
const opts = { timeout: 90_000 };
const HOST_PAGE = '/plain/host.html';

/** The host page in a fresh context, its frames at hand. */
async function hostTab(t, query = '') {
  const tab = await openTab(t, stack, `${HOST_PAGE}${query}`);
  await tab.page.goto(tab.url);
  await tab.page.locator('#status[data-state="logged-in"], #status[data-state="logged-out"]').waitFor();
  return tab;
}

/** The Frame object of the iframe `selector` of `tab`'s page. */
async function frameOf(tab, selector) {
  const handle = await tab.page.locator(selector).elementHandle();
  return until(async () => (await handle.contentFrame())?.url().startsWith('http'), `${selector} loaded`)
    .then(() => handle.contentFrame());
}

/** Signs the host page in on the provider's pages. */
async function signInHost(tab) {
  await tab.page.locator('#login').click();
  await tab.signIn();
  await tab.consent();
  await tab.page.locator('#status[data-state="logged-in"]').waitFor();
}

/** The embedded app's state (#status data-state) once it is one of `states`. */
async function frameState(frame, states) {
  const sel = states.map((s) => `#status[data-state="${s}"]`).join(', ');
  await frame.locator(sel).waitFor();
  return frame.locator('#status').getAttribute('data-state');
}

/** The access tokens the provider handed out so far (all of them went to the host page). */
async function tokensSeen(tab) {
  await Promise.all(tab.bodyReads);
  return tab.tokenResponses.map((r) => r.access_token).filter(Boolean);
}

/** Watches the API requests the embedded app's origin makes: { authorization } each. */
function watchFrameApi(tab) {
  const seen = [];
  tab.context.on('request', (req) => {
    if (req.url() === tab.dev.endpoints.usersMe && req.method() === 'GET'
      && req.frame().url().startsWith(tab.dev.embed.embeddedOrigin)) {
      seen.push({ authorization: req.headers().authorization ?? null });
    }
  });
  return seen;
}

const stats = (tab) => tab.page.evaluate(() => window.pixieHost.bridge.stats());

/** No token in any request URL or Referer, console line, or the frame's Web Storage or cookies. */
async function assertFrameLeaksNothing(tab, frame) {
  const tokens = await tokensSeen(tab);
  assert.ok(tokens.length > 0, 'the test saw a token to look for');
  const stored = await frame.evaluate(() => JSON.stringify([
    Object.entries(localStorage), Object.entries(sessionStorage), document.cookie]));
  assert.equal(stored, '[[],[],""]', 'the frame keeps nothing in Web Storage or cookies');
  for (const token of tokens) {
    const shown = `${token.slice(0, 6)}…`;
    const inUrl = tab.requests.filter((r) => r.url.includes(token) || r.referer.includes(token));
    assert.deepEqual(inUrl.map((r) => r.url), [], `a request URL or Referer holds ${shown}`);
    assert.ok(!tab.console.some((m) => m.text.includes(token) || m.url.includes(token)), `a console line holds ${shown}`);
    assert.ok(!(await frame.content()).includes(token), `the frame's page shows ${shown}`);
    assert.ok(!frame.url().includes(token), `the frame's URL holds ${shown}`);
  }
  await tab.assertNoLeaks({ expect: ['tokens'] });
}

test('the frame gets the host\'s token and calls the API with no login of its own', opts, async (t) => {
  const tab = await hostTab(t);
  const api = watchFrameApi(tab);
  await signInHost(tab);
  const frame = await frameOf(tab, '#embedded');
  assert.equal(await frameState(frame, ['signed-in', 'login-required', 'host-unavailable', 'error']), 'signed-in');
  assert.match(await frame.locator('#profile').innerText(), /Ada Lovelace/);

  // One login at the provider, the host's: the frame never went near the authorization endpoint.
  assert.equal(stack.dev.stats.token.authorization_code, 1);
  assert.ok(!tab.requests.some((r) => r.url.startsWith(stack.dev.endpoints.authorization)
    && r.referer.startsWith(stack.dev.embed.embeddedOrigin)), 'the frame started no login');
  // It called the API with the host's access token, cross-origin (CORS allows its origin).
  const [first] = await tokensSeen(tab);
  assert.deepEqual(api, [{ authorization: `Bearer ${first}` }]);
  // Its app event reached the host app's bridge.on() handler, as a plain copy.
  const shown = tab.page.locator('#frame-events li[data-type="profile-shown"]');
  await shown.waitFor();
  assert.deepEqual(JSON.parse(await shown.innerText()), { type: 'profile-shown', name: 'Ada Lovelace' });
  const s = await stats(tab);
  assert.ok(s.accepted >= 3, `ready, the token request and the event were accepted (${JSON.stringify(s)})`);
  assert.equal(s.droppedBy.origin, 0);
  // The frame holds the token in memory: isAuthenticated() without asking again.
  assert.equal(await frame.evaluate(() => window.pixieEmbedded.auth.isAuthenticated()), true);
  await assertFrameLeaksNothing(tab, frame);
});

test('a token that would expire within the margin is refreshed by the host before it is handed over', opts, async (t) => {
  // A margin longer than the token's whole lifetime (600 s): every answer is refreshed first.
  const tab = await hostTab(t, '?margin=700');
  const api = watchFrameApi(tab);
  await signInHost(tab);
  const frame = await frameOf(tab, '#embedded');
  assert.equal(await frameState(frame, ['signed-in', 'login-required', 'host-unavailable', 'error']), 'signed-in');
  assert.ok(stack.dev.stats.token.refresh_token >= 1, 'the host refreshed before answering');
  const tokens = await tokensSeen(tab);
  assert.ok(tokens.length >= 2);
  assert.notEqual(api[0].authorization, `Bearer ${tokens[0]}`, 'not the token from the login');
  assert.ok(tokens.slice(1).some((tk) => api[0].authorization === `Bearer ${tk}`), 'a refreshed token');
  await assertFrameLeaksNothing(tab, frame);
});

test('a refresh in the host reaches the frame, which then calls the API with the new token', opts, async (t) => {
  const tab = await hostTab(t);
  const api = watchFrameApi(tab);
  await signInHost(tab);
  const frame = await frameOf(tab, '#embedded');
  assert.equal(await frameState(frame, ['signed-in', 'error']), 'signed-in');
  await tab.page.locator('#refresh').click();
  await frame.locator('#refreshes:text("1")').waitFor();
  assert.notEqual(await frame.locator('#expires').innerText(), '—');
  await frame.locator('#reload').click();
  await until(() => api.length === 2, 'the second API call');
  const tokens = await tokensSeen(tab);
  assert.equal(tokens.length, 2, 'the login and the refresh');
  assert.deepEqual(api.map((a) => a.authorization), [`Bearer ${tokens[0]}`, `Bearer ${tokens[1]}`]);
  assert.equal(stack.dev.stats.token.refresh_token, 1, 'the frame did not ask for another refresh');
  await assertFrameLeaksNothing(tab, frame);
});

test('a 401 at the API makes the host refresh once, and the frame retries with the new token', opts, async (t) => {
  const tab = await hostTab(t);
  const api = watchFrameApi(tab);
  await signInHost(tab);
  const frame = await frameOf(tab, '#embedded');
  assert.equal(await frameState(frame, ['signed-in', 'error']), 'signed-in');
  // The provider forgets every access token: the frame's next call is refused.
  assert.ok(await stack.dev.revokeAccessTokens() >= 1);
  await frame.locator('#reload').click();
  await until(() => api.length === 3, 'the refused call and its retry');
  await frame.locator('#status[data-state="signed-in"]').waitFor();
  const tokens = await tokensSeen(tab);
  assert.equal(tokens.length, 2, 'the login and one refresh');
  assert.equal(stack.dev.stats.token.refresh_token, 1);
  assert.deepEqual(api.map((a) => a.authorization),
    [`Bearer ${tokens[0]}`, `Bearer ${tokens[0]}`, `Bearer ${tokens[1]}`]);
  assert.equal(await frame.locator('#error').isHidden(), true);
});

test('logout in the host ends the frame\'s session', opts, async (t) => {
  const tab = await hostTab(t);
  await signInHost(tab);
  const frame = await frameOf(tab, '#embedded');
  assert.equal(await frameState(frame, ['signed-in', 'error']), 'signed-in');
  await tab.page.locator('#logout').click();
  assert.equal(await frameState(frame, ['logged-out']), 'logged-out');
  assert.equal(await frame.evaluate(() => window.pixieEmbedded.auth.isAuthenticated()), false);
  await frame.locator('#reload').click();
  await frame.locator(`#error[data-code="${errorCode('login_required')}"]`).waitFor();
  const code = await frame.evaluate(() => window.pixieEmbedded.auth.getAccessToken().then(() => 'got one', (e) => e.code));
  assert.equal(code, 'login_required');
});

test('a host without a session answers login_required', opts, async (t) => {
  const tab = await hostTab(t);
  assert.equal(await tab.page.locator('#status').getAttribute('data-state'), 'logged-out');
  const frame = await frameOf(tab, '#embedded');
  assert.equal(await frameState(frame, ['signed-in', 'login-required', 'host-unavailable', 'error']), 'login-required');
  assert.equal(await frame.locator('#error').getAttribute('data-code'), errorCode('login_required'));
  assert.equal(stack.dev.stats.token.authorization_code + stack.dev.stats.token.refresh_token, 0);
});

test('no host gives host_unavailable at once, and a page that frames the app without sharing after the time-out', opts, async (t) => {
  // Opened on its own: not framed, so no one to ask.
  const context = await newContext(stack.browser);
  t.after(() => context.close());
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(`${stack.dev.embed.embeddedOrigin}/`);
  await page.locator('#status[data-state="host-unavailable"]').waitFor();
  assert.ok(Date.now() - started < 5_000, 'at once, not after the time-out');
  assert.equal(await page.locator('#error').getAttribute('data-code'), errorCode('host_unavailable'));
  assert.equal(await page.locator('#popup').isVisible(), true, 'the popup login is offered');

  // Framed by the host page, which does not share (no shareWithFrame): no answer, a time-out.
  const tab = await hostTab(t, '?nobridge=1&timeout=1');
  await signInHost(tab);
  const frame = await frameOf(tab, '#embedded');
  assert.equal(await frameState(frame, ['signed-in', 'login-required', 'host-unavailable']), 'host-unavailable');
  assert.equal(await frame.locator('#popup').isVisible(), false, 'framed: no popup offered');
});

test('without a host, the embedded app signs in with a popup of its own (loginPopup)', opts, async (t) => {
  const context = await newContext(stack.browser);
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(`${stack.dev.embed.embeddedOrigin}/`);
  await page.locator('#status[data-state="host-unavailable"]').waitFor();
  const [popup] = await Promise.all([context.waitForEvent('page'), page.locator('#popup').click()]);
  await popup.locator('input[name="login"]').fill('Grace Hopper');
  await popup.locator('input[name="password"]').fill('any password');
  await popup.locator('button.login-submit').click();
  await popup.locator('button.login-submit:has-text("Continue")').click();
  await popup.waitForEvent('close');
  await page.locator('#status[data-state="signed-in"]').waitFor();
  assert.match(await page.locator('#profile').innerText(), /Grace Hopper/);
  assert.equal(new URL(page.url()).search, '', 'no code in the app\'s address bar');
});

test('the hostile frame, a second frame of the right origin, the page itself and forged messages are refused, counted, and learn no token', opts, async (t) => {
  const tab = await hostTab(t, '?twin=1&timeout=2');
  await signInHost(tab);
  const frame = await frameOf(tab, '#embedded');
  assert.equal(await frameState(frame, ['signed-in', 'error']), 'signed-in');
  const hostile = await frameOf(tab, '#hostile');
  await hostile.locator('#status[data-state="done"]').waitFor();
  // The twin (the embedded app's origin, another window) asked and got no answer.
  const twin = await frameOf(tab, '#twin');
  assert.equal(await frameState(twin, ['signed-in', 'login-required', 'host-unavailable']), 'host-unavailable');

  // The page itself (same origin, another window than the frame) asks too.
  const before = await stats(tab);
  await tab.page.evaluate(() => window.postMessage({ pixie: 'bridge/1', type: 'token', id: 99 }, window.location.origin));
  // A script-made event claiming the frame's origin and window: not trusted.
  await tab.page.evaluate((origin) => {
    const frameWindow = document.getElementById('embedded').contentWindow;
    for (const data of [{ pixie: 'bridge/1', type: 'token', id: 100 }, { type: 'profile-shown', name: 'forged' }]) {
      window.dispatchEvent(new MessageEvent('message', { data, origin, source: frameWindow }));
    }
  }, stack.dev.embed.embeddedOrigin);
  await until(async () => (await stats(tab)).dropped >= before.dropped + 3, 'the three drops counted');
  const after = await stats(tab);
  assert.equal(after.droppedBy.untrusted - before.droppedBy.untrusted, 2, JSON.stringify(after));
  assert.ok(after.droppedBy.source - before.droppedBy.source >= 1, JSON.stringify(after));
  // Hostile frame: 48 messages, twin: at least a ready and a token request; all by source.
  assert.ok(after.droppedBy.source >= 48 + 2, JSON.stringify(after));
  assert.equal(after.droppedBy.origin, 0);
  assert.equal(await tab.page.locator('#frame-events li').count(), 1, 'only the real frame\'s event was re-emitted');

  // In the frame: a forged loggedOut and a forged token "from the host" are not trusted.
  await frame.evaluate((origin) => {
    for (const data of [{ pixie: 'bridge/1', type: 'loggedOut' },
      { pixie: 'bridge/1', type: 'token', id: null, accessToken: 'forged', expiresAt: null }]) {
      window.dispatchEvent(new MessageEvent('message', { data, origin, source: window.parent }));
    }
  }, stack.dev.demoOrigin);
  const frameStats = await frame.evaluate(() => window.pixieEmbedded.auth.stats());
  assert.equal(frameStats.droppedBy.untrusted, 2, JSON.stringify(frameStats));
  assert.equal(await frame.locator('#status').getAttribute('data-state'), 'signed-in');
  const [first] = await tokensSeen(tab);
  assert.equal(await frame.evaluate(() => window.pixieEmbedded.auth.getAccessToken()), first, 'the forged token was not taken');

  // The hostile frame received nothing at all, let alone a token, and could not reach the host's storage.
  const result = await hostile.evaluate(() => window.hostileResult);
  assert.deepEqual(result.got, [], JSON.stringify(result.got));
  assert.deepEqual(result.tokens, []);
  assert.equal(result.readParent, 'refused');
  assert.equal(result.readStorage, 'refused');
  const twinStats = await twin.evaluate(() => window.pixieEmbedded.auth.stats());
  assert.equal(twinStats.accepted, 0, 'the twin was answered nothing');
  assert.equal(await twin.evaluate(() => window.pixieEmbedded.auth.isAuthenticated()), false);
  await assertFrameLeaksNothing(tab, frame);
});

test('the shared frame navigated to another origin is refused by origin, and the host\'s pushes do not reach it', opts, async (t) => {
  const tab = await hostTab(t);
  await signInHost(tab);
  const frame = await frameOf(tab, '#embedded');
  assert.equal(await frameState(frame, ['signed-in', 'error']), 'signed-in');
  // The same iframe (the same WindowProxy) now holds the hostile page.
  await tab.page.evaluate((url) => { document.getElementById('embedded').src = url; }, `${stack.dev.embed.hostileOrigin}/`);
  const hijacked = await until(async () => {
    const f = await (await tab.page.locator('#embedded').elementHandle()).contentFrame();
    return f?.url().startsWith(stack.dev.embed.hostileOrigin);
  }, 'the frame navigated').then(async () => (await tab.page.locator('#embedded').elementHandle()).contentFrame());
  await hijacked.locator('#status[data-state="done"]').waitFor();
  // A refresh in the host: the push goes to targetOrigin = the embedded app's origin only.
  await tab.page.locator('#refresh').click();
  await until(async () => (await tokensSeen(tab)).length === 2, 'the refresh');
  await sleep(500);
  const result = await hijacked.evaluate(() => window.hostileResult);
  assert.deepEqual(result.got, [], 'the hijacked frame received nothing');
  const s = await stats(tab);
  assert.ok(s.droppedBy.origin >= 48, `the right window at the wrong origin: ${JSON.stringify(s)}`);
});

test('the devserver sends each page its Content-Security-Policy: the host frames exactly two origins, the app is framed only by the host', opts, async () => {
  const { demoOrigin, issuer, embed } = stack.dev;
  const csp = async (url) => {
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    return Object.fromEntries((res.headers.get('content-security-policy') ?? '').split(';')
      .map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));
  };
  const host = await csp(`${demoOrigin}${HOST_PAGE}`);
  assert.deepEqual(host['frame-src'], [embed.embeddedOrigin, embed.hostileOrigin]);
  assert.deepEqual(host['connect-src'], ["'self'", issuer]);
  assert.deepEqual(host['frame-ancestors'], ["'none'"]);
  assert.deepEqual(host['script-src'], ["'self'", "'wasm-unsafe-eval'"]);
  const app = await csp(`${embed.embeddedOrigin}/`);
  assert.deepEqual(app['frame-ancestors'], [demoOrigin]);
  assert.deepEqual(app['connect-src'], ["'self'", issuer]);
  // The embedded app's origin may call the API (CORS); the hostile one is not registered.
  assert.ok(stack.dev.corsOrigins.includes(embed.embeddedOrigin));
  assert.ok(!stack.dev.corsOrigins.includes(embed.hostileOrigin));
});

test('a page at another origin cannot frame the embedded app (frame-ancestors)', opts, async (t) => {
  const context = await newContext(stack.browser);
  t.after(() => context.close());
  const page = await context.newPage();
  const loaded = [];
  context.on('request', (req) => { if (req.url().startsWith(`${stack.dev.embed.embeddedOrigin}/embedded.js`)) loaded.push(req.url()); });
  await page.goto(`${stack.dev.embed.hostileOrigin}/`);
  await page.evaluate((src) => {
    const f = document.createElement('iframe');
    f.id = 'victim';
    f.src = src;
    document.body.append(f);
  }, `${stack.dev.embed.embeddedOrigin}/`);
  await sleep(1500);
  const frame = await (await page.locator('#victim').elementHandle()).contentFrame();
  // Blocked: the frame holds an error document, not the app (no #status, no script ran).
  const ran = await frame.evaluate(() => Boolean(window.pixieEmbedded)).catch(() => false);
  assert.equal(ran, false, 'the embedded app ran inside a frame of another origin');
  assert.deepEqual(loaded, [], 'the blocked document loaded no script');
  // The same page opened top-level (no framing) does load it: the check above can fail.
  const top = await context.newPage();
  await top.goto(`${stack.dev.embed.embeddedOrigin}/`);
  await top.locator('#status[data-state="host-unavailable"]').waitFor();
  assert.equal(loaded.length, 1);
});
