// The session's life on the webpack page, with access tokens that live 6 seconds: the library
// renews them on its own and the page follows (countdown, refresh count); when renewing keeps
// failing, the page warns and then shows the session as ended.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CONSTANTS, openTab, sleep, TEST_TIMEOUT, until, useStack,
} from './harness.mjs';

const TTL = 6;
const stack = useStack({ accessTokenTtl: TTL });
const opts = { timeout: TEST_TIMEOUT };

test('the access token is renewed before it expires, and the countdown follows', opts, async (t) => {
  const tab = await openTab(t, stack, '/');
  await tab.open();
  await tab.logIn();
  const expiry = tab.page.locator('#expiry');
  const first = Number(await expiry.getAttribute('data-expires-at'));
  assert.ok(first <= Date.now() + TTL * 1000 + 1000, 'a short-lived token');

  await tab.page.waitForFunction(
    (before) => Number(document.querySelector('#expiry').dataset.expiresAt) > before,
    first,
  );
  assert.ok(stack.dev.stats.token.refresh_token >= 1, 'the refresh token was used');
  await tab.page.locator('#facts li', { hasText: /used (once|\d+ times)/ }).waitFor();
  assert.equal(await tab.settled(), 'logged-in');
  assert.equal(await tab.error(), null);
  assert.match(await expiry.innerText(), /^0:0\d$/);
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
});

test('when renewing keeps failing, the session ends at expiry and the page says so', opts, async (t) => {
  const tab = await openTab(t, stack, '/');
  await tab.open();
  await tab.logIn();
  stack.dev.failToken({ count: -1, status: 503 });

  // (With 6-second tokens the failing cycle outlives the token, so the session ends at once;
  // the tokenExpiring warning before it is checked with longer tokens in lifecycle-flows.)
  await tab.waitForState('logged-out');
  await tab.page.locator('#notice:has-text("expired")').waitFor();
  assert.ok(stack.dev.stats.token.failed_injected >= 1, 'a refresh was tried');
  // Counted at the provider: one cycle of at most three attempts (backoff 0.5-1 s, 1-2 s), then
  // the next cycle waits 15 s: no request loop while the server keeps failing.
  const { maxAttempts } = CONSTANTS.retry;
  const attempts = () => stack.dev.stats.token.failed_injected;
  await until(() => attempts() >= maxAttempts, 'the first cycle\'s attempts', 5_000);
  assert.equal(attempts(), maxAttempts, 'three attempts in the first cycle');
  await sleep(3_000);
  assert.equal(attempts(), maxAttempts, 'and no more for now');
  assert.equal(stack.dev.stats.token.refresh_token, 0, 'none got through');
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
});

test('a reload after the access token expired renews it with the refresh token', opts, async (t) => {
  const tab = await openTab(t, stack, '/');
  await tab.open();
  await tab.logIn();
  await tab.page.goto('about:blank'); // nothing runs meanwhile: no automatic renewal
  await sleep((TTL + 1) * 1000);

  const mark = tab.requests.length;
  await tab.page.goto(tab.url);
  assert.equal(await tab.settled(), 'logged-in');
  assert.equal((await tab.profile()).name, 'Ada Lovelace');
  assert.equal(await tab.error(), null);
  assert.ok(stack.dev.stats.token.refresh_token >= 1, 'renewed with the refresh token');
  assert.deepEqual(tab.requestsSince(mark).filter((r) => r.url.startsWith(stack.dev.endpoints.authorization)), [],
    'no trip to the authorization endpoint');
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
});
