// Scripts a Tab puts into its pages before they run (see openTab's options):
//
// - the spy: the test routes the plain page's /pkg-web/pixie_auth.js to a small wrapper module
//   that re-exports the real package and records each PkceClient the page uses (the demo
//   subscribes to its events, which is where the spy catches it) plus every event it emits.
//   The demo itself (www/) is untouched; the test can then call the demo's own client
//   (callApi, refresh, getSession) while the page keeps running, without reloading it. It
//   also keeps what the page's init() resolved to (the wasm exports, with its `memory`), for
//   the soak test's memory figures;
// - a shifted clock (Date only, not timers or performance.now), as a page whose system clock
//   is wrong would have.

import { CONSTANTS } from '../../shared/constants.mjs';

const PACKAGE = '/pkg-web/pixie_auth.js';

/** The wrapper module served in place of the package; `real` is the real one's URL. */
const spyModule = (real) => `
import init, * as real from ${JSON.stringify(real)};
export * from ${JSON.stringify(real)};

const EVENTS = ${JSON.stringify(CONSTANTS.eventNames)};
const spy = (globalThis.__pixieSpy ??= { clients: [], events: [], exports: null });
export default async function (...args) {
  const exports = await init(...args);
  spy.exports = exports;
  return exports;
}
const on = real.PkceClient.prototype.on;
real.PkceClient.prototype.on = function (...args) {
  if (!spy.clients.includes(this)) {
    spy.clients.push(this);
    for (const name of EVENTS) {
      // performance.timeOrigin + now(): real time, whatever Date says.
      on.call(this, name, (payload) => spy.events.push({
        name, payload, at: performance.timeOrigin + performance.now(),
      }));
    }
  }
  return on.apply(this, args);
};
`;

/** Routes the plain page's package to the spy wrapper, for every page of `context`. */
export async function installSpy(context, dev) {
  const real = `${PACKAGE}?pixie-test-spy`;
  await context.route(
    (url) => url.origin === dev.demoOrigin && url.pathname === PACKAGE && url.search === '',
    (route) => route.fulfill({
      status: 200,
      contentType: 'text/javascript',
      headers: { 'Cache-Control': 'no-store' },
      body: spyModule(real),
    }),
  );
}

/**
 * Shifts Date (Date.now(), new Date(), Date()) by `shiftMs`. Runs in the page, before any
 * script: wasm-bindgen's js_sys::Date::now() calls Date.now(), so the library sees it; timers
 * and performance.now() are untouched, as on a machine whose clock is set wrong.
 */
function shiftClock(shiftMs) {
  const RealDate = Date;
  const now = () => RealDate.now() + shiftMs;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(now());
      else super(...args);
    }

    static now() { return now(); }
  }
  globalThis.Date = new Proxy(ShiftedDate, {
    apply: () => new ShiftedDate().toString(), // Date() without new: a string
  });
}

/** Shifts Date by `shiftMs` in every page of `context` (see shiftClock). */
export async function installClockShift(context, shiftMs) {
  await context.addInitScript(shiftClock, shiftMs);
}
