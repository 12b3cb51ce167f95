// The demo in Genesys mode (PIXIE_GENESYS_REGION + PIXIE_GENESYS_CLIENT_ID), with Genesys Cloud
// played by request routes (no internet here): the Genesys preset must send the browser to
// https://login.<region>/oauth/authorize with PKCE S256, redeem the code at
// https://login.<region>/oauth/token with the matching verifier and no secret, and call
// https://api.<region>/api/v2/users/me with the token. What a real org would see on the wire.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { assertCleanUrl, openTab, TEST_TIMEOUT, useStack } from './harness.mjs';

const REGION = 'mypurecloud.de';
const CLIENT_ID = '00000000-1111-4222-8333-444444444444';
const LOGIN = `https://login.${REGION}`;
const API = `https://api.${REGION}`;
const CODE = 'genesys-authorization-code-0123456789';
const ACCESS_TOKEN = 'genesys-access-token-abcdefghijklmnopqrstuvwxyz';

const stack = useStack({ genesysRegion: REGION, genesysClientId: CLIENT_ID });

test('Genesys mode: the preset talks to login.<region> and api.<region> as Genesys Cloud expects', { timeout: TEST_TIMEOUT }, async (t) => {
  const tab = await openTab(t, stack, '/');
  const demo = stack.dev.demoOrigin;
  const cors = { 'Access-Control-Allow-Origin': demo, 'Access-Control-Allow-Headers': 'Authorization, Content-Type', Vary: 'Origin' };
  const seen = { authorize: null, token: null, api: [] };

  // Nothing may leave for the internet: anything unexpected outside 127.0.0.1 is refused.
  await tab.context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort('blockedbyclient'));
  await tab.context.route(`${LOGIN}/oauth/authorize?*`, async (route) => {
    const url = new URL(route.request().url());
    seen.authorize = url;
    const back = new URL(url.searchParams.get('redirect_uri'));
    back.searchParams.set('code', CODE);
    back.searchParams.set('state', url.searchParams.get('state'));
    await route.fulfill({ status: 302, headers: { Location: back.href } });
  });
  await tab.context.route(`${LOGIN}/oauth/token`, async (route) => {
    if (route.request().method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    seen.token = new URLSearchParams(route.request().postData() ?? '');
    return route.fulfill({
      status: 200,
      headers: { ...cors, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
      body: JSON.stringify({ access_token: ACCESS_TOKEN, token_type: 'bearer', expires_in: 86399 }),
    });
  });
  await tab.context.route(`${API}/api/v2/users/me`, async (route) => {
    if (route.request().method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    seen.api.push(route.request().headers().authorization);
    return route.fulfill({
      status: 200,
      headers: { ...cors, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: '8f7e6d5c-0000-4000-8000-123456789abc', name: 'Grace Genesys', email: 'grace@example.test', username: 'grace@example.test' }),
    });
  });

  await tab.open();
  assert.equal(await tab.page.locator('#mode').getAttribute('data-mode'), 'genesys');
  assert.match(await tab.page.locator('#mode').innerText(), /Genesys Cloud \(mypurecloud\.de\)/);
  await tab.page.locator('#login').click();
  await tab.waitForState('logged-in');

  // The authorization request.
  const a = seen.authorize;
  assert.ok(a, 'the browser went to the Genesys authorization endpoint');
  assert.equal(a.origin + a.pathname, `${LOGIN}/oauth/authorize`);
  assert.equal(a.searchParams.get('response_type'), 'code');
  assert.equal(a.searchParams.get('client_id'), CLIENT_ID);
  assert.equal(a.searchParams.get('redirect_uri'), `${demo}/`);
  assert.equal(a.searchParams.get('scope'), 'users:readonly');
  assert.equal(a.searchParams.get('code_challenge_method'), 'S256');
  assert.ok((a.searchParams.get('state') ?? '').length >= 32, 'an unguessable state');

  // The token request: the verifier that hashes to the challenge, and no client secret.
  const form = seen.token;
  assert.ok(form, 'the code was redeemed at the Genesys token endpoint');
  assert.equal(form.get('grant_type'), 'authorization_code');
  assert.equal(form.get('code'), CODE);
  assert.equal(form.get('client_id'), CLIENT_ID);
  assert.equal(form.get('redirect_uri'), `${demo}/`);
  assert.equal(form.has('client_secret'), false);
  const challenge = createHash('sha256').update(form.get('code_verifier')).digest('base64url');
  assert.equal(challenge, a.searchParams.get('code_challenge'), 'S256(verifier) equals the challenge');

  // The API call carried the token; the page shows the profile and a clean address bar.
  assert.deepEqual(seen.api, [`Bearer ${ACCESS_TOKEN}`]);
  assert.equal((await tab.profile()).name, 'Grace Genesys');
  assertCleanUrl(tab);
  assert.equal((await tab.storage()).pending, null);

  // The harness watches the local provider's token endpoint; name this one's secrets by hand.
  tab.secrets.codes.add(CODE);
  tab.secrets.verifiers.add(form.get('code_verifier'));
  tab.secrets.tokens.add(ACCESS_TOKEN);
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
});
