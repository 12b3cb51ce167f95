// Hostile and broken callbacks on both demo pages. Each must show a clear error with its code,
// leave no pending login behind, keep an earlier session where the contract says so, and never
// send a code to the token endpoint that should not go there.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  assertCleanUrl, assertLoginRefused, CONSTANTS, openHeldCallback, openTab, PAGES, revokeToken,
  TEST_TIMEOUT, useStack,
} from './harness.mjs';

const stack = useStack();
const opts = { timeout: TEST_TIMEOUT };

/** Signs in on a fresh tab and stops the redirect back: returns the tab and the unused callback URL. */
const heldCallback = (t, pagePath) => openHeldCallback(t, stack, pagePath);

for (const { name, path } of PAGES) {
  test(`${name}: a callback with a forged state is refused and the code is never redeemed`, opts, async (t) => {
    const { tab, url } = await heldCallback(t, path);
    assert.ok(url.searchParams.get('code'), 'the provider issued a code');
    url.searchParams.set('state', 'forged-by-an-attacker-0123456789abcdefghijklmnop');
    await tab.open(url.href);

    const error = await tab.expectError('state_mismatch');
    assert.match(error.text, /^Login failed: the callback's state does not match .* \(state_mismatch\)/);
    await assertLoginRefused(tab);
    assert.equal(stack.dev.stats.token.authorization_code, 0, 'the code never reached the token endpoint');
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers'] });
  });

  test(`${name}: a forged callback while signed in keeps the earlier session`, opts, async (t) => {
    const tab = await openTab(t, stack, path);
    await tab.open();
    await tab.logIn('Grace Hopper');
    const before = (await tab.storage()).session;

    // The app starts another login (the button is hidden while signed in: click it through the
    // DOM). The provider remembers the user, so it answers at once; hold that answer and forge
    // its issuer (RFC 9207 mix-up).
    const callback = await tab.holdCallback();
    await tab.page.evaluate(() => document.querySelector('#login').click());
    const url = new URL(await callback());
    assert.equal(url.searchParams.get('iss'), stack.dev.issuer, 'the provider sends iss');
    url.searchParams.set('iss', 'https://evil.example');
    await tab.open(url.href);

    const error = await tab.expectError('issuer_mismatch');
    assert.match(error.text, /^Login failed: .*\(issuer_mismatch\)/);
    assert.equal(await tab.settled(), 'logged-in');
    assert.equal((await tab.profile()).name, 'Grace Hopper');
    const after = await tab.storage();
    assert.equal(after.pending, null, 'no pending login is left');
    assert.equal(after.session, before, 'the earlier session is untouched');
    assertCleanUrl(tab);
    assert.equal(stack.dev.stats.token.authorization_code, 1, 'only the first code was redeemed');
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  });

  test(`${name}: the callback opened a second time is refused and the session stays`, opts, async (t) => {
    const tab = await openTab(t, stack, path);
    await tab.open();
    await tab.logIn();
    const callbackUrl = tab.requests.find((r) => r.url.startsWith(tab.url) && new URL(r.url).searchParams.has('code'))?.url;
    assert.ok(callbackUrl, 'the callback URL was seen');
    const before = (await tab.storage()).session;

    await tab.open(callbackUrl); // e.g. from history, or replayed by someone who saw the URL
    const error = await tab.expectError('missing_pending_login');
    assert.match(error.text, /^Login failed: no login is pending in this tab/);
    assert.equal(await tab.settled(), 'logged-in');
    const after = await tab.storage();
    assert.equal(after.session, before, 'the session from the first callback stays');
    assert.equal(after.pending, null);
    assertCleanUrl(tab);
    assert.equal(stack.dev.stats.token.authorization_code, 1, 'the code was not sent again');
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  });

  test(`${name}: a callback opened where no login is pending (another tab) is refused`, opts, async (t) => {
    const { url } = await heldCallback(t, path);
    const other = await openTab(t, stack, path); // a fresh context: no pending login
    await other.open(url.href);

    const error = await other.expectError('missing_pending_login');
    assert.match(error.text, /\(missing_pending_login\)$/m);
    await assertLoginRefused(other);
    assert.equal(stack.dev.stats.token.authorization_code, 0, 'the code was not redeemed');
    await other.assertNoLeaks({ expect: ['codes'] });
  });

  test(`${name}: a callback opened on the app's other page (not the login's redirect URI) is refused`, opts, async (t) => {
    // The two demo pages are one client id on one origin: they share the pending-login key,
    // so the other page finds this login's pending record. It is bound to the redirect URI it
    // was made for, so the code is not exchanged there, and the record is gone.
    const { tab, url } = await heldCallback(t, path);
    const other = new URL(PAGES.find((p) => p.path !== path).path, url);
    const elsewhere = new URL(url.href);
    elsewhere.pathname = other.pathname;
    await tab.open(elsewhere.href);

    const error = await tab.expectError('redirect_uri_mismatch');
    assert.match(error.text, /^Login failed: the callback is not at the login's redirect URI \(redirect_uri_mismatch\)/);
    assert.match(error.text, /arrived at another page than the one that started the login/);
    assert.equal(await tab.settled(), 'logged-out');
    assert.equal(tab.page.url(), other.href, 'the code and state left the address bar');
    const storage = await tab.storage();
    assert.equal(storage.pending, null, 'the pending login is single use');
    assert.equal(storage.session, null, 'no session was stored');
    assert.equal(stack.dev.stats.token.authorization_code, 0, 'the code never reached the token endpoint');
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers'] });
  });

  test(`${name}: a callback after the pending login expired is refused and the code is never redeemed`, opts, async (t) => {
    const { tab, url } = await heldCallback(t, path);
    // The login started longer ago than the library accepts (the sign-in page was left open
    // over lunch): the record is dated back rather than the test waiting that long.
    const { pending } = await tab.storage();
    assert.ok(pending, 'the held callback left the pending login alone');
    const record = JSON.parse(pending);
    const { pendingLoginTtlMs } = CONSTANTS.timing;
    const createdAt = Date.now() - pendingLoginTtlMs - 60_000;
    await tab.page.evaluate(([key, value]) => sessionStorage.setItem(key, value),
      [tab.keys.pending, JSON.stringify({ ...record, createdAt })]);
    await tab.open(url.href);

    const error = await tab.expectError('pending_login_expired');
    assert.match(error.text, /^Login failed: .*\(pending_login_expired\)/);
    assert.match(error.text, new RegExp(`took longer than ${pendingLoginTtlMs / 60_000} minutes`));
    await assertLoginRefused(tab);
    assert.equal(stack.dev.stats.token.authorization_code, 0, 'the code never reached the token endpoint');
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers'] });
  });

  test(`${name}: the user declines: access_denied is shown in plain words`, opts, async (t) => {
    const tab = await openTab(t, stack, path);
    await tab.open();
    await tab.startLogin();
    await tab.signIn();
    await tab.page.locator('button.login-submit:has-text("Continue")').waitFor();
    await tab.cancel();

    const error = await tab.expectError('authorization_error');
    assert.equal(error.oauthError, 'access_denied');
    assert.match(error.text, /refused the login: access_denied \(authorization_error\)/);
    assert.match(error.text, /You cancelled the sign-in/);
    await assertLoginRefused(tab);
    assert.equal(stack.dev.stats.token.authorization_code, 0);
    await tab.assertNoLeaks({ expect: ['verifiers'] });
  });

  test(`${name}: the token endpoint is unreachable: network_error`, opts, async (t) => {
    const tab = await openTab(t, stack, path);
    await tab.open();
    await tab.startLogin();
    await tab.signIn();
    stack.dev.failToken({ count: -1, status: 'drop' }); // close the socket, no answer
    await tab.consent();

    const error = await tab.expectError('network_error');
    assert.match(error.text, /^Login failed: network error/);
    await assertLoginRefused(tab);
    assert.ok(stack.dev.stats.token.failed_injected >= 1, 'the token request was dropped');
    assert.equal(stack.dev.stats.token.authorization_code, 0);
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers'] });
  });

  test(`${name}: the token endpoint fails with 503: token_exchange_failed`, opts, async (t) => {
    const tab = await openTab(t, stack, path);
    await tab.open();
    await tab.startLogin();
    await tab.signIn();
    stack.dev.failToken({ count: -1, status: 503 });
    await tab.consent();

    const error = await tab.expectError('token_exchange_failed');
    assert.match(error.text, /503/);
    await assertLoginRefused(tab);
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers'] });
  });

  test(`${name}: the API answers 401: callApi refreshes the token once and retries`, opts, async (t) => {
    const tab = await openTab(t, stack, path);
    await tab.open();
    await tab.logIn();
    const before = (await tab.storage()).session;

    assert.ok(await stack.dev.revokeAccessTokens() >= 1); // refresh tokens keep working
    await tab.page.reload();
    assert.equal(await tab.settled(), 'logged-in');
    assert.equal((await tab.profile()).name, 'Ada Lovelace');
    assert.equal(await tab.error(), null);
    assert.equal(stack.dev.stats.api.unauthorized, 1, 'the first call was refused');
    assert.equal(stack.dev.stats.token.refresh_token, 1, 'one refresh');
    assert.equal(stack.dev.stats.api.ok, 2, 'the retried call went through');
    assert.ok((await tab.storage()).session !== before, 'the session holds the new tokens');
    await tab.page.locator('#facts li:has-text("used once")').waitFor();
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  });

  test(`${name}: the API answers 401 and the refresh is refused: login_required, session cleared`, opts, async (t) => {
    const tab = await openTab(t, stack, path);
    await tab.open();
    await tab.logIn();
    const { refresh_token: refreshToken } = await tab.lastTokenResponse();

    await revokeToken(stack.dev, refreshToken);
    assert.ok(await stack.dev.revokeAccessTokens() >= 1);
    await tab.page.reload();
    const error = await tab.expectError('login_required');
    assert.match(error.text, /^Could not load your profile: login required/);
    assert.equal(await tab.settled(), 'logged-out');
    assert.deepEqual((await tab.storage()).pixieKeys, [], 'the session is cleared');
    assert.equal(stack.dev.stats.api.unauthorized, 1);
    assert.equal(stack.dev.stats.token.refresh_token, 1, 'one refresh was tried, and refused');
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  });
}
