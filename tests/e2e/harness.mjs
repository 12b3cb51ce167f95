// The full-flow tests' harness: every test file takes its machinery from here.
//
//   lib/stack.mjs     useStack(): Chromium + the local OpenID provider (devserver/) on free
//                     ports, one provider per file or one per test ({ perTest: true })
//   lib/tab.mjs       openTab() and the Tab: one demo page driven as a user does (log in,
//                     hold a callback, reload, duplicate; on the guest chat page, chat) and
//                     watched (requests, secrets, storage, what it shows; with the spy, the
//                     page's own client and events; optionally a shifted clock);
//                     assertNoLeaks(); the shared refusal checks
//   lib/spy.mjs       the scripts a Tab puts into its pages (the spy, the shifted clock)
//   lib/provider.mjs  talking to the provider directly (refresh, revoke, redeem) and its grant log
//   lib/traffic.mjs   more watching of the browser's requests (per load, token POSTs, API calls)
//   lib/wait.mjs      sleep() and until(), bounded
//   lib/browser.mjs   launchChromium(), WAIT (the bound of every wait), TEST_TIMEOUT
//
// Values the Rust crate defines (storage keys, error codes, event names, lifecycle timings)
// come from tests/shared/constants.json (checked against the crate by tests/constants.rs);
// the dev server's own defaults from devserver/server.mjs (DEVSERVER_DEFAULTS).
//
// Every wait is bounded (WAIT); every server, browser and context is closed by the test.

import './lib/quiet-provider.mjs'; // first: before oidc-provider loads

export * from './lib/browser.mjs';
export * from './lib/stack.mjs';
export * from './lib/tab.mjs';
export * from './lib/provider.mjs';
export * from './lib/traffic.mjs';
export * from './lib/wait.mjs';
export {
  broadcastChannel, CONSTANTS, errorCode, eventName, guestEventName, storageKeys,
} from '../shared/constants.mjs';
export { DEFAULTS as DEVSERVER_DEFAULTS } from '../../devserver/server.mjs';
