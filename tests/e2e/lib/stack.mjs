// The stack a test file runs against: Debian's Chromium and the local OpenID provider
// (devserver/: provider, demo API and demo server on free ports, test controls on).

import './quiet-provider.mjs'; // first: before oidc-provider loads

import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';

import { startDevServer } from '../../../devserver/server.mjs';
import { launchChromium } from './browser.mjs';
import { watchGrants } from './provider.mjs';

const startProvider = (options) => startDevServer({ opPort: 0, demoPort: 0, testControls: true, ...options });

/**
 * Starts Chromium for the current test file and the provider, and stops both at the end.
 * A stack is `{ dev, browser, grants }` (what openTab() takes): `dev` the running dev server,
 * `grants` the provider's grant log (watchGrants).
 *
 * - `useStack(serverOptions)`: one provider for the whole file, at `stack.dev`; its counters,
 *   injected failures and grant log are reset before each test.
 * - `useStack(serverOptions, { perTest: true })`: each test starts a provider of its own with
 *   `const s = await stack.start(t, moreServerOptions)`, stopped after that test, so every count
 *   at the provider belongs to one test and tests may run in parallel.
 *
 * Chromium's default profile is temporary, and each Tab gets a new context, so no cookie or
 * storage is shared between tests.
 */
export function useStack(serverOptions = {}, { perTest = false } = {}) {
  const stack = {
    dev: null,
    browser: null,
    grants: null,
    /** With perTest: a provider of test `t`'s own; returns the stack { dev, browser, grants }. */
    async start(t, options = {}) {
      assert.ok(perTest, 'stack.start() needs useStack(..., { perTest: true }); this stack has one provider for the file (stack.dev)');
      assert.ok(stack.browser, 'the browser was started (call stack.start() inside a test)');
      const dev = await startProvider({ ...serverOptions, ...options });
      t.after(() => dev.close());
      return { dev, browser: stack.browser, grants: watchGrants(dev) };
    },
  };
  before(async () => {
    stack.browser = await launchChromium();
    if (!perTest) {
      stack.dev = await startProvider(serverOptions);
      stack.grants = watchGrants(stack.dev);
    }
  });
  after(async () => {
    await stack.browser?.close();
    await stack.dev?.close();
  });
  if (!perTest) {
    beforeEach(() => {
      stack.dev?.reset();
      stack.grants?.splice(0);
    });
  }
  return stack;
}
