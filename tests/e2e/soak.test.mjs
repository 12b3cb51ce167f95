// The soak: one tab of the plain demo page kept alive through 600 refresh cycles (100 of
// warm-up, then 500), each a real refresh-token grant at the local provider (the token rotates
// every time, the ID token is verified again) followed by an API call, while nothing piles up.
//
// Measured at the start (just signed in), after the warm-up and at the end, each time after
// two forced garbage collections (CDP HeapProfiler.collectGarbage):
//
// - the wasm memory: the instance's `memory.buffer.byteLength` (the spy keeps what init()
//   resolved to). Wasm memory only grows, by 64 KiB pages; it takes one page more within the
//   first 100 cycles (the allocator's high-water mark) and none after, so after the warm-up it
//   may grow by at most one page (WASM_SLACK): the allocator reuses what each cycle frees (a
//   1,500-cycle run by hand, PIXIE_SOAK_CYCLES=1500, stays on the same page count);
// - the JS heap: Runtime.getHeapUsage's usedSize; after the warm-up it may grow by at most
//   2 MiB (HEAP_SLACK), for what V8 keeps lazily (compiled code, inline caches); the spy's own
//   event log is emptied before each measurement. A forgotten closure per cycle holding a
//   response, a session or a timer would add far more over 500 cycles;
// - what a leak of closures would leave alive: Chromium's JSEventListeners count
//   (Performance.getMetrics), and, from a counter installed before the page's scripts, the live
//   timeouts and intervals (set, neither fired nor cleared) and the open BroadcastChannels. The
//   armed refresh timer is replaced on every refresh, never added to: the live timers after the
//   run are those after the warm-up, and no channel is opened after the first.
//
// The figures are printed. The cycles are driven by refresh() rather than by waiting for the
// access token to expire, so the run takes a minute or two, not hours; the tokens still come
// from the provider's token endpoint, counted there. The tab shares its session across tabs
// (the default), so every refresh also seals a query and the new session on the channel, and
// waits SIBLING_QUERY_MS (150 ms) for a sibling's answer first: 75 s of the run is that wait.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { grantsOf, openTab, useStack } from './harness.mjs';

const WARM_UP = 100;
/** PIXIE_SOAK_CYCLES runs a longer soak by hand (the test's timeout grows with it). */
const CYCLES = Math.max(500, Number(process.env.PIXIE_SOAK_CYCLES) || 0);
const BATCH = 50;
const WASM_SLACK = 64 * 1024;
const HEAP_SLACK = 2 * 1024 * 1024;

const stack = useStack();

/** Runs in the page before its scripts: counts live timers and open BroadcastChannels. */
function countLive() {
  const live = { timeouts: new Set(), intervals: new Set(), channels: new Set(), channelsOpened: 0 };
  globalThis.__pixieSoak = live;
  const { setTimeout: set, clearTimeout: clear, setInterval: every, clearInterval: stop } = globalThis;
  globalThis.setTimeout = function setTimeout(fn, ms, ...rest) {
    let id;
    const run = typeof fn === 'function'
      ? function fired(...args) { live.timeouts.delete(id); return fn.apply(this, args); }
      : fn;
    id = set.call(this, run, ms, ...rest);
    live.timeouts.add(id);
    return id;
  };
  globalThis.clearTimeout = function clearTimeout(id) {
    live.timeouts.delete(id);
    return clear.call(this, id);
  };
  globalThis.setInterval = function setInterval(...args) {
    const id = every.apply(this, args);
    live.intervals.add(id);
    return id;
  };
  globalThis.clearInterval = function clearInterval(id) {
    live.intervals.delete(id);
    return stop.call(this, id);
  };
  const Channel = globalThis.BroadcastChannel;
  if (Channel) {
    globalThis.BroadcastChannel = class BroadcastChannel extends Channel {
      constructor(...args) {
        super(...args);
        live.channels.add(this);
        live.channelsOpened += 1;
      }

      close() {
        live.channels.delete(this);
        return super.close();
      }
    };
  }
}

/** The figures of `tab` now, after two forced collections. */
async function measure(tab, cdp) {
  await tab.page.evaluate(() => { globalThis.__pixieSpy.events.length = 0; });
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = Object.fromEntries(metrics.map(({ name, value }) => [name, value]));
  const page = await tab.page.evaluate(() => {
    const live = globalThis.__pixieSoak;
    return {
      wasm: globalThis.__pixieSpy?.exports?.memory?.buffer.byteLength ?? null,
      timeouts: live.timeouts.size,
      intervals: live.intervals.size,
      channels: live.channels.size,
      channelsOpened: live.channelsOpened,
    };
  });
  return { heap: usedSize, listeners: metric.JSEventListeners, nodes: metric.Nodes, ...page };
}

/** `n` cycles in the page: refresh(), then an API call whose answer is read. */
function cycles(tab, n) {
  return tab.page.evaluate(async (count) => {
    const client = globalThis.__pixieSpy.clients.at(-1);
    const out = { refreshes: 0, calls: 0, failures: [], refreshCount: null };
    for (let i = 0; i < count; i += 1) {
      try {
        const session = await client.refresh();
        out.refreshes += 1;
        out.refreshCount = session.refreshCount;
      } catch (e) {
        out.failures.push(`refresh: ${e?.code ?? e}`);
      }
      try {
        const response = await client.callApi('/api/v2/users/me');
        const body = await response.json();
        if (response.status === 200 && body?.name === 'Ada Lovelace') out.calls += 1;
        else out.failures.push(`callApi: ${response.status}`);
      } catch (e) {
        out.failures.push(`callApi: ${e?.code ?? e}`);
      }
    }
    return out;
  }, n);
}

/** The wasm memory after each batch of every run, for the printed series. */
const wasmSeries = [];

async function run(tab, n) {
  let done = 0;
  let refreshCount = null;
  while (done < n) {
    const batch = Math.min(BATCH, n - done);
    const out = await cycles(tab, batch);
    assert.deepEqual(out.failures, [], 'every refresh and API call succeeded');
    assert.equal(out.refreshes, batch);
    assert.equal(out.calls, batch);
    refreshCount = out.refreshCount;
    done += batch;
    wasmSeries.push(await tab.page.evaluate(() => globalThis.__pixieSpy.exports.memory.buffer.byteLength));
  }
  return refreshCount;
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
const row = (label, m) => `${label.padEnd(9)} wasm ${kib(m.wasm).padStart(10)}  JS heap ${kib(m.heap).padStart(10)}  `
  + `listeners ${m.listeners}  DOM nodes ${m.nodes}  live timeouts ${m.timeouts}  intervals ${m.intervals}  `
  + `channels ${m.channels} (opened ${m.channelsOpened})`;

test(`a tab lives through ${WARM_UP + CYCLES} refresh cycles with API calls, its memory flat`, { timeout: 240_000 + (CYCLES - 500) * 400 }, async (t) => {
  const started = Date.now();
  const tab = await openTab(t, stack, '/plain/', { spy: true });
  await tab.context.addInitScript(countLive);
  await tab.open();
  await tab.logIn();
  await tab.spyReady();
  const cdp = await tab.context.newCDPSession(tab.page);
  await cdp.send('Performance.enable');

  const start = await measure(tab, cdp);
  assert.ok(start.wasm > 0, 'the spy sees the wasm memory');
  const before = (await tab.session()).refreshCount;
  const grantsBefore = grantsOf(stack.grants).filter((g) => g.ok).length;

  await run(tab, WARM_UP);
  const warm = await measure(tab, cdp);
  const cycleStart = Date.now();
  const count = await run(tab, CYCLES);
  const cycleMs = Date.now() - cycleStart;
  const end = await measure(tab, cdp);

  const total = WARM_UP + CYCLES;
  console.log(`soak: ${total} refresh cycles (${WARM_UP} warm-up), each a refresh-token grant and an API call; `
    + `${CYCLES} cycles in ${(cycleMs / 1000).toFixed(1)} s (${(cycleMs / CYCLES).toFixed(1)} ms a cycle), `
    + `whole test ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`soak: ${row('start', start)}`);
  console.log(`soak: ${row('warm-up', warm)}`);
  console.log(`soak: ${row('end', end)}`);
  console.log(`soak: wasm memory after each ${BATCH} cycles (KiB): ${wasmSeries.map((b) => b / 1024).join(' ')}`);
  console.log(`soak: after warm-up: wasm ${end.wasm - warm.wasm >= 0 ? '+' : ''}${end.wasm - warm.wasm} B, `
    + `JS heap ${end.heap - warm.heap >= 0 ? '+' : ''}${kib(end.heap - warm.heap)}`);

  // Real grants, one per cycle: the provider rotated the refresh token every time.
  assert.equal(count, before + total, 'the session counts every refresh');
  const grants = grantsOf(stack.grants).filter((g) => g.ok).length - grantsBefore;
  assert.equal(grants, total, 'one refresh-token grant at the provider per cycle');
  assert.equal(grantsOf(stack.grants).filter((g) => !g.ok).length, 0, 'no refused grant');

  // Flat memory.
  assert.ok(end.wasm - warm.wasm <= WASM_SLACK,
    `the wasm memory grew by ${end.wasm - warm.wasm} bytes after the warm-up (slack ${WASM_SLACK})`);
  assert.ok(end.heap - warm.heap <= HEAP_SLACK,
    `the JS heap grew by ${kib(end.heap - warm.heap)} after the warm-up (slack ${kib(HEAP_SLACK)})`);
  // Nothing piles up.
  assert.ok(end.listeners <= warm.listeners, `event listeners went from ${warm.listeners} to ${end.listeners}`);
  assert.ok(end.nodes <= warm.nodes + 50, `DOM nodes went from ${warm.nodes} to ${end.nodes}`);
  assert.ok(end.timeouts <= warm.timeouts, `live timeouts went from ${warm.timeouts} to ${end.timeouts}`);
  assert.ok(end.timeouts <= 3, `${end.timeouts} live timeouts (the refresh timer is one)`);
  assert.equal(end.intervals, warm.intervals, 'live intervals');
  assert.ok(end.channels <= 1, `${end.channels} open BroadcastChannels`);
  assert.equal(end.channelsOpened, warm.channelsOpened, 'no BroadcastChannel opened after the warm-up');

  // Still a working session, and nothing leaked on the way.
  assert.equal(await tab.settled(), 'logged-in');
  assert.equal(await tab.error(), null);
  assert.equal((await tab.callApi()).status, 200);
  await tab.assertNoLeaks({ expect: ['codes', 'verifiers', 'tokens'] });
});
