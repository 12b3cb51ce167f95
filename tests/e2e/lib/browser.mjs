// Debian's Chromium through playwright-core, with the flags this machine needs, and the bound
// of every wait. No node:test here: bench/browser.mjs imports launchChromium() too.

import { chromium } from 'playwright-core';

/** Upper bound of every single wait (navigation, selector, request). */
export const WAIT = 15_000;
/** Upper bound of one test (the lifecycle scenarios set their own, longer ones). */
export const TEST_TIMEOUT = 60_000;

const CHROMIUM = process.env.PIXIE_CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying to reach the internet and stalls.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Launches Debian's Chromium (headless, a temporary profile deleted on close) with the flags
 * above. useStack() uses it; so can a script that manages its own servers.
 */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: WAIT });
}

/** A fresh context of `browser` (no cookies, no storage) whose waits are bounded by WAIT. */
export async function newContext(browser) {
  const context = await browser.newContext({ viewport: { width: 960, height: 640 } });
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  return context;
}
