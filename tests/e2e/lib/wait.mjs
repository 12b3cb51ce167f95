// Bounded waiting.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { WAIT } from './browser.mjs';

export { sleep };

/** Waits (bounded by `timeout`) until `predicate()` is true; `what` names it in the failure. */
export async function until(predicate, what, timeout = WAIT, every = 100) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > end) assert.fail(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(every);
  }
}
