// OpenID Connect in the full flow on the demo pages: the client built by discovery, the ID token
// verified in the browser (WebCrypto against the provider's JWKS) and shown with UserInfo, the
// RFC 9207 iss parameter required because the provider advertises it, and an ID token signed
// with a key the JWKS does not hold refused before any session exists. (Every ID-token check is
// covered natively and in wasm tests; these show the demo surfaces them end to end.)

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';

import {
  assertLoginRefused, countRequestsPerLoad, jwtPayload, openHeldCallback, openTab, PAGES,
  TEST_TIMEOUT, useStack,
} from './harness.mjs';

const stack = useStack();
const opts = { timeout: TEST_TIMEOUT };

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, url);
  return res.json();
}

/** The text and the raw value (data-value) of a claim shown in #id-token or #userinfo. */
async function shownClaim(tab, box, name) {
  const dd = tab.page.locator(`#${box} [data-claim="${name}"]`);
  return { text: await dd.innerText(), value: await dd.getAttribute('data-value') };
}

for (const { name, path } of PAGES) {
  test(`${name}: discovery, a verified ID token and UserInfo, shown; one discovery fetch per tab`, opts, async (t) => {
    const { dev } = stack;
    const tab = await openTab(t, stack, path);
    const { discovery, jwks, userinfo } = dev.endpoints;
    const perLoad = countRequestsPerLoad(tab, [discovery, jwks, userinfo]);

    await tab.open();
    assert.match(await tab.page.locator('#mode').innerText(), /found by discovery/);
    const pending = await tab.startLogin();
    assert.ok(pending.nonce, 'with the openid scope, the pending login holds a nonce');
    await tab.signIn('Katherine Johnson');
    await tab.consent();
    await tab.waitForState('logged-in');
    await tab.page.locator('#userinfo[data-state="loaded"]').waitFor();

    // The verified claims, as the provider put them in the ID token it issued.
    const idToken = jwtPayload((await tab.lastTokenResponse()).id_token);
    assert.equal(idToken.nonce, pending.nonce);
    assert.deepEqual(await shownClaim(tab, 'id-token', 'sub'), { text: 'Katherine Johnson', value: 'Katherine Johnson' });
    assert.equal((await shownClaim(tab, 'id-token', 'name')).text, 'Katherine Johnson');
    assert.equal((await shownClaim(tab, 'id-token', 'iss')).text, dev.issuer);
    assert.equal((await shownClaim(tab, 'id-token', 'aud')).text, dev.clientId);
    const iat = await shownClaim(tab, 'id-token', 'iat');
    assert.equal(iat.value, String(idToken.iat));
    assert.equal(iat.text, await tab.page.evaluate((s) => new Date(s * 1000).toLocaleString(), idToken.iat),
      'iat shown as a readable time');
    assert.match(await tab.page.locator('#facts').innerText(),
      /ID token: signature verified in this browser with WebCrypto against the provider's keys \(JWKS\)/);
    // UserInfo, from the userinfo endpoint (same sub, else the library refuses it).
    assert.equal((await shownClaim(tab, 'userinfo', 'email')).text, 'katherine.johnson@example.test');
    assert.equal((await shownClaim(tab, 'userinfo', 'email_verified')).value, 'true');
    assert.equal(await tab.error(), null);

    // Loads so far: the first visit, the Back in startLogin(), the callback. Only the first
    // fetched the discovery document: the others read the tab's copy (sessionStorage, for its
    // max-age). Only the callback fetched the JWKS (to verify) and UserInfo.
    const loads = perLoad.counts();
    assert.equal(loads.length, 3, JSON.stringify(loads));
    assert.deepEqual(loads.map((l) => l[discovery]), [1, 0, 0], 'one discovery fetch per tab');
    assert.deepEqual(loads.map((l) => l[jwks]), [0, 0, 1], 'the JWKS fetched to verify the ID token');
    assert.deepEqual(loads.map((l) => l[userinfo]), [0, 0, 1]);

    // A reload shows the same user from the stored session: no discovery fetch (the tab's
    // copy), no new verification (no JWKS fetch), UserInfo asked again.
    await tab.page.reload();
    await tab.waitForState('logged-in');
    await tab.page.locator('#userinfo[data-state="loaded"]').waitFor();
    assert.equal((await shownClaim(tab, 'id-token', 'sub')).text, 'Katherine Johnson');
    assert.deepEqual(perLoad.counts().at(-1), { [discovery]: 0, [jwks]: 0, [userinfo]: 1 });
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  });
}

test('RFC 9207: a callback without iss is refused, since the provider advertises iss', opts, async (t) => {
  const { dev } = stack;
  const metadata = await getJson(dev.endpoints.discovery);
  assert.equal(metadata.authorization_response_iss_parameter_supported, true);

  const { tab, url } = await openHeldCallback(t, stack, '/');
  assert.equal(url.searchParams.get('iss'), dev.issuer, 'the provider sent iss');
  url.searchParams.delete('iss'); // e.g. a mix-up attacker's server, which sends none
  await tab.open(url.href);

  const error = await tab.expectError('issuer_mismatch');
  assert.match(error.text, /^Login failed: .*\(issuer_mismatch\)/);
  await assertLoginRefused(tab);
  assert.equal(dev.stats.token.authorization_code, 0, 'the code never reached the token endpoint');
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers'] });
});

// The JWKS answer replaced (page.route) by one whose key is not the key that signed the ID token.
const FORGED_JWKS = [
  { name: 'the same kid, another RSA key', code: 'id_token_signature_invalid', sameKid: true },
  { name: 'another kid', code: 'id_token_unknown_kid', sameKid: false },
];

for (const { name, code, sameKid } of FORGED_JWKS) {
  test(`an ID token the JWKS cannot verify (${name}): ${code}, no session`, opts, async (t) => {
    const { dev } = stack;
    const real = (await getJson(dev.endpoints.jwks)).keys.find((k) => k.kty === 'RSA');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const jwks = { keys: [{ ...other, kid: sameKid ? real.kid : `${real.kid}-rotated`, alg: 'RS256', use: 'sig' }] };

    const tab = await openTab(t, stack, '/');
    let served = 0;
    await tab.page.route(dev.endpoints.jwks, (route) => {
      served += 1;
      return route.fulfill({
        status: 200,
        headers: { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': dev.demoOrigin, 'Cache-Control': 'no-store' },
        body: JSON.stringify(jwks),
      });
    });
    await tab.open();
    await tab.startLogin();
    await tab.signIn();
    await tab.consent();

    const error = await tab.expectError(code);
    assert.match(error.text, new RegExp(`^Login failed: .*\\(${code}\\)`));
    assert.match(error.text, /ID token failed verification, so no session was created/);
    await assertLoginRefused(tab);
    assert.ok(served >= 1, 'the forged JWKS was served');
    assert.equal(dev.stats.token.authorization_code, 1, 'the code was redeemed; its ID token was refused');
    assert.equal(await tab.page.locator('#oidc').isHidden(), true, 'no user is shown');
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  });
}

// PkceClient.discover on a page with nothing to do yet (no session, not a callback, the document
// not kept for the tab): the client is there at once and the document comes in the background.
test('plain page: a signed-out page is ready before the discovery document arrives; login() fetches it again after a failure', opts, async (t) => {
  const { discovery } = stack.dev.endpoints;
  const tab = await openTab(t, stack, '/plain/');
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const seen = [];
  await tab.page.route((url) => url.href === discovery, async (route) => {
    seen.push(Date.now());
    if (seen.length === 1) {
      await held; // the first fetch hangs until the page has settled, then fails
      return route.fulfill({ status: 503, body: 'unavailable' });
    }
    return route.continue();
  });
  await tab.open();
  assert.equal(await tab.settled(), 'logged-out', 'settled while the document was held');
  assert.equal(seen.length, 1, 'the fetch started in the background at once');
  assert.equal(await tab.error(), null, 'nothing to report yet');
  release();
  await tab.page.locator('#login').click();
  await tab.page.locator('input[name="login"]').waitFor();
  assert.equal(seen.length, 2, 'login() fetched the document again, and went to the provider');
});

test('plain page: when the discovery document cannot be had, login() says so with its code and the page stays usable', opts, async (t) => {
  const { discovery } = stack.dev.endpoints;
  const tab = await openTab(t, stack, '/plain/');
  let fail = true;
  await tab.page.route((url) => url.href === discovery,
    (route) => (fail ? route.fulfill({ status: 503, body: 'unavailable' }) : route.continue()));
  await tab.open();
  assert.equal(await tab.settled(), 'logged-out');
  await tab.page.locator('#login').click();
  const error = await tab.expectError('discovery_failed');
  assert.match(error.text, /discovery_failed/);
  assert.equal(await tab.settled(), 'logged-out');
  fail = false;
  await tab.page.locator('#login').click();
  await tab.page.locator('input[name="login"]').waitFor(); // at the provider: the retry worked
});
