// The authenticated Genesys Web Messenger hand-off on www/plain/messenger.html, with the page's
// stand-in for Messenger: the page's AuthProvider plugin answers getAuthCode with
// messengerAuthCode(), which checks the callback but does not redeem the code. The test then
// plays Genesys Cloud: it redeems the code at the provider's token endpoint with what Messenger
// received, once (codes are single use).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  assertCleanUrl, errorCode, jwtPayload, openHeldCallback, openTab, redeemCode, TEST_TIMEOUT,
  useStack,
} from './harness.mjs';

const MESSENGER = '/plain/messenger.html';
const stack = useStack();
const opts = { timeout: TEST_TIMEOUT };

/** What the stand-in got from getAuthCode: { received, rejected } (window properties it sets). */
function messengerOutcome(tab) {
  return tab.page.evaluate(() => ({ received: window.messengerReceived ?? null, rejected: window.messengerRejected ?? null }));
}

test('sign in to chat: Messenger receives an unused code, its verifier, nonce and iss; Genesys\' part redeems it once', opts, async (t) => {
  const { dev } = stack;
  const tab = await openTab(t, stack, MESSENGER);
  await tab.open();

  // startLogin() goes Back to this page meanwhile: Messenger asked, got not_a_callback, and the
  // pending login stayed (startLogin reads it).
  const pending = await tab.startLogin();
  assert.equal(pending.redirectUri, tab.url, 'the page is its own redirect URI');
  await tab.signIn('Mary Jackson');
  await tab.consent();
  await tab.waitForState('handed-off');

  const { received, rejected } = await messengerOutcome(tab);
  assert.equal(rejected, null);
  assert.deepEqual(Object.keys(received).sort(), ['authCode', 'codeVerifier', 'iss', 'nonce', 'redirectUri']);
  assert.equal(received.redirectUri, tab.url);
  assert.equal(received.codeVerifier, pending.codeVerifier, 'the verifier of this login');
  assert.equal(received.nonce, pending.nonce, 'the nonce of this login');
  assert.equal(received.iss, dev.issuer, 'the callback\'s iss (RFC 9207)');
  assert.ok(tab.secrets.codes.has(received.authCode), 'the code the provider sent to this page');

  // pixie-auth did not redeem it and made no session; the callback is cleaned up.
  assert.equal(dev.stats.token.authorization_code, 0, 'no code exchange by the page');
  assertCleanUrl(tab);
  assert.deepEqual((await tab.storage()).pixieKeys, [], 'no pending login, no session');
  // The page shows the secrets only as lengths, and names the rest.
  const field = (name) => tab.page.locator(`#received [data-field="${name}"]`).innerText();
  assert.equal(await field('authCode'), `hidden (${received.authCode.length} characters)`);
  assert.equal(await field('codeVerifier'), `hidden (${received.codeVerifier.length} characters)`);
  assert.equal(await field('redirectUri'), tab.url);
  assert.equal(await field('maxAge'), 'not sent');
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers'] });

  // Genesys Cloud's part: redeem the code with exactly what Messenger received.
  const first = await redeemCode(dev, received);
  assert.equal(first.status, 200, JSON.stringify(first.body.error ?? ''));
  const idToken = jwtPayload(first.body.id_token);
  assert.equal(idToken.nonce, received.nonce, 'the ID token carries the handed-off nonce');
  assert.equal(idToken.sub, 'Mary Jackson');
  assert.equal(idToken.iss, received.iss);
  assert.equal(idToken.aud, dev.clientId);
  assert.equal(dev.stats.token.authorization_code, 1);

  // Single use: the same code again is refused.
  const second = await redeemCode(dev, received);
  assert.deepEqual([second.status, second.body.error], [400, 'invalid_grant']);

  // The site's logout tells Messenger to drop its tokens: Genesys("command", "Auth.logout").
  await tab.page.locator('#chat-logout').click();
  await tab.page.locator('#messenger[data-outcome="signed-out"]').waitFor();
  assert.equal((await messengerOutcome(tab)).received, null);
});

test('a plain visit: getAuthCode rejects with not_a_callback and Messenger stays anonymous', opts, async (t) => {
  const tab = await openTab(t, stack, MESSENGER);
  await tab.open();

  const { received, rejected } = await messengerOutcome(tab);
  assert.equal(received, null);
  assert.equal(rejected?.code, errorCode('not_a_callback'));
  assert.equal(await tab.page.locator('#messenger').getAttribute('data-code'), errorCode('not_a_callback'));
  assert.equal(await tab.error(), null, 'not an error for the visitor');
  assert.ok(await tab.page.locator('#received').isHidden());
  assert.deepEqual((await tab.storage()).pixieKeys, []);
  assert.equal(stack.dev.stats.token.authorization_code, 0);
  assert.deepEqual(tab.pageErrors, []);
});

test('the hand-off runs the callback checks: without iss (RFC 9207) nothing is handed over', opts, async (t) => {
  const { tab, url } = await openHeldCallback(t, stack, MESSENGER);
  assert.equal(url.searchParams.get('iss'), stack.dev.issuer);
  url.searchParams.delete('iss');
  await tab.page.goto(url.href);

  await tab.waitForState('error');
  const { received, rejected } = await messengerOutcome(tab);
  assert.equal(received, null, 'Messenger got no code');
  assert.equal(rejected?.code, errorCode('issuer_mismatch'));
  assert.equal((await tab.error())?.code, errorCode('issuer_mismatch'));
  assertCleanUrl(tab);
  assert.deepEqual((await tab.storage()).pixieKeys, [], 'the pending login is gone');
  assert.equal(stack.dev.stats.token.authorization_code, 0);
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers'] });
});
