// The happy path on both demo pages: log in through the provider's pages, the profile fetched
// with callApi, a clean address bar, a reload that keeps the session without a redirect, the
// countdown, and logout. Also writes the README screenshot (see SCREENSHOT below).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  assertCleanUrl, DEVSERVER_DEFAULTS, openTab, PAGES, TEST_TIMEOUT, tryRefresh, useStack, WAIT,
} from './harness.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// docs/demo-logged-in.png is committed and shown in the README. It is written when missing or
// with PIXIE_UPDATE_SCREENSHOT=1; otherwise the fresh one goes to test-results/ (ignored), so a
// test run does not dirty the working tree.
const SCREENSHOT = path.join(REPO, 'docs/demo-logged-in.png');
const SCREENSHOT_SCRATCH = path.join(REPO, 'test-results/demo-logged-in.png');

const stack = useStack();

for (const { name, path: pagePath } of PAGES) {
  test(`${name}: log in, see the profile, reload without a redirect, log out`, { timeout: TEST_TIMEOUT }, async (t) => {
    const { dev } = stack;
    const tab = await openTab(t, stack, pagePath);

    await tab.open();
    assert.equal(await tab.settled(), 'logged-out');
    assert.equal(await tab.error(), null);
    assert.ok(await tab.page.locator('#notice').isHidden(), 'no notice for a first visit');
    assert.equal(await tab.page.locator('#mode').getAttribute('data-mode'), 'local');
    assert.equal((await tab.storage()).session, null);

    // Log in. The pending login exists while the browser is at the provider...
    const pending = await tab.startLogin();
    assert.match(pending.codeVerifier, /^[A-Za-z0-9._~-]{43,128}$/);
    assert.equal(pending.redirectUri, tab.url);
    await tab.signIn('Ada Lovelace');
    await tab.consent();
    await tab.waitForState('logged-in');

    // ...and is gone after the callback, which left a session and a clean address bar.
    assertCleanUrl(tab);
    const afterLogin = await tab.storage();
    assert.equal(afterLogin.pending, null, 'the pending login is deleted');
    assert.ok(afterLogin.session, 'the session is stored');
    assert.deepEqual(afterLogin.pixieKeys, [tab.keys.session]);
    // Beside it, only the tab's copies of the provider's public documents (discovery, JWKS).
    for (const key of afterLogin.documentKeys) {
      assert.ok([dev.endpoints.discovery, dev.endpoints.jwks].some((u) => key.endsWith(u)), key);
    }
    assert.ok(tab.secrets.verifiers.has(pending.codeVerifier), 'the token request sent the stored verifier');

    assert.deepEqual(await tab.profile(), {
      name: 'Ada Lovelace', email: 'ada.lovelace@example.test', id: 'Ada Lovelace',
    });
    assert.equal(await tab.error(), null);
    assert.deepEqual(dev.stats.token, { authorization_code: 1, refresh_token: 0, other: 0, failed_injected: 0 });
    assert.equal(dev.stats.api.ok, 1, 'the profile came from the API through callApi');

    // The access token's expiry (the dev server's default lifetime), counting down every second.
    const ttlMs = DEVSERVER_DEFAULTS.accessTokenTtl * 1000;
    const expiry = tab.page.locator('#expiry');
    const expiresAt = Number(await expiry.getAttribute('data-expires-at'));
    assert.ok(expiresAt > Date.now() + ttlMs - 10_000 && expiresAt <= Date.now() + ttlMs + 1_000, `expiresAt ${expiresAt}`);
    const shown = await expiry.innerText();
    const [, minutes, seconds] = shown.match(/^(\d+):([0-5]\d)$/) ?? assert.fail(`the countdown shows m:ss, not "${shown}"`);
    const left = Number(minutes) * 60 + Number(seconds);
    assert.ok(left <= ttlMs / 1000 && left >= ttlMs / 1000 - 60, `the countdown shows ${shown}`);
    await tab.page.waitForFunction((before) => document.querySelector('#expiry').textContent !== before, shown, { timeout: 3000 });

    if (pagePath === '/') await screenshot(tab);

    // A reload keeps the session: no trip to the authorization endpoint, no new code exchange.
    const mark = tab.requests.length;
    await tab.page.reload();
    await tab.waitForState('logged-in');
    const toProvider = tab.requestsSince(mark).filter((r) => r.url.startsWith(dev.endpoints.authorization));
    assert.deepEqual(toProvider, [], 'no request to the authorization endpoint');
    assert.equal(dev.stats.token.authorization_code, 1);
    assert.equal(dev.stats.api.ok, 2, 'the profile was fetched again with the stored token');
    assert.equal((await tab.profile()).name, 'Ada Lovelace');
    assertCleanUrl(tab);

    // Log out: the session is gone (and stays gone after a reload), and the refresh token was
    // revoked at the provider, so whoever copied it cannot use it either.
    const { refresh_token: refreshToken } = await tab.lastTokenResponse();
    assert.ok(refreshToken, 'the provider issued a refresh token');
    await tab.page.locator('#logout').click();
    await tab.waitForState('logged-out');
    await tab.page.locator('#notice:has-text("revoked")').waitFor();
    const afterLogout = await tab.storage();
    assert.deepEqual(afterLogout.pixieKeys, [], 'no pixie record is left in sessionStorage');
    assert.ok(tab.requests.some((r) => r.method === 'POST' && r.url === dev.endpoints.revocation), 'logout called the revocation endpoint');
    assert.deepEqual(await tryRefresh(dev, refreshToken), { status: 400, error: 'invalid_grant' });
    await tab.page.reload();
    assert.equal(await tab.settled(), 'logged-out');

    await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  });
}

test('the session belongs to its tab: a second tab is signed out', { timeout: TEST_TIMEOUT }, async (t) => {
  const tab = await openTab(t, stack, '/');
  await tab.open();
  await tab.logIn();
  const other = await tab.newSibling();
  assert.equal(await other.settled(), 'logged-out');
  assert.equal((await other.storage()).session, null);
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
});

test('"Log out of the sign-in server too" ends the provider session as well', { timeout: TEST_TIMEOUT }, async (t) => {
  const tab = await openTab(t, stack, '/');
  await tab.open();
  await tab.logIn();

  await tab.page.locator('#logout-everywhere').click();
  // The provider's end-session page (OpenID Connect RP-Initiated Logout) asks to confirm.
  await tab.page.locator('button[name="logout"]').click();
  await tab.waitForState('logged-out');
  assert.equal(new URL(tab.page.url()).origin + new URL(tab.page.url()).pathname, tab.url, 'back on the demo');
  assert.deepEqual((await tab.storage()).pixieKeys, []);

  // The provider forgot the user: the next login shows its sign-in page again.
  await tab.page.locator('#login').click();
  await tab.page.locator('input[name="login"]').waitFor();
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
});

async function screenshot(tab) {
  await tab.page.locator('#profile [data-field="name"]').waitFor({ timeout: WAIT });
  const png = await tab.page.screenshot({ fullPage: false });
  assert.ok(png.length > 10_000, 'the screenshot has content');
  const target = existsSync(SCREENSHOT) && process.env.PIXIE_UPDATE_SCREENSHOT !== '1'
    ? SCREENSHOT_SCRATCH
    : SCREENSHOT;
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, png);
}
