// The provider on Genesys Cloud's paths (/oauth/authorize, /oauth/token), end to end on both
// pages: the demo takes the endpoints from /config.json and never touches /auth or /token.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCleanUrl, openTab, PAGES, TEST_TIMEOUT, useStack } from './harness.mjs';

const stack = useStack({ genesysPaths: true });

for (const { name, path } of PAGES) {
  test(`${name}: full login against /oauth/authorize and /oauth/token`, { timeout: TEST_TIMEOUT }, async (t) => {
    const { dev } = stack;
    assert.equal(new URL(dev.endpoints.authorization).pathname, '/oauth/authorize');
    assert.equal(new URL(dev.endpoints.token).pathname, '/oauth/token');

    const tab = await openTab(t, stack, path);
    await tab.open();
    assert.match(await tab.page.locator('#mode').innerText(), /Genesys-style paths/);
    await tab.logIn('Linus Pauling');
    assert.equal((await tab.profile()).name, 'Linus Pauling');
    assertCleanUrl(tab);

    const opRequests = tab.requests.filter((r) => r.url.startsWith(`${dev.issuer}/`));
    const paths = opRequests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
    assert.ok(paths.includes('GET /oauth/authorize'), paths.join(', '));
    assert.ok(paths.includes('POST /oauth/token'), paths.join(', '));
    assert.ok(!paths.some((p) => /^\w+ \/(auth|token)$/.test(p)), `no standard path: ${paths.join(', ')}`);
    assert.equal(dev.stats.token.authorization_code, 1);
    assert.equal((await tab.storage()).pending, null);
    await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
  });
}
